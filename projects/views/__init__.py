"""The staff workspace of projects in the browser: ``pages`` (the list, its export, a project's
page), ``edits`` (the forms that write, each calling one service), ``monthly`` (a county's
month-end report on one page), ``auth`` (sign-in)."""
