"""The staff workspace of projects in the browser: ``pages`` (the list, its export, a project's
page), ``edits`` (the forms that write, each calling one service), ``auth`` (sign-in)."""
