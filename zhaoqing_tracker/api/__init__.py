"""What every endpoint of /api/v1/ shares: authentication, scoping, pagination,
errors, optimistic concurrency and throttling. The resources live in
projects/api/ and supervision/api/.
"""
