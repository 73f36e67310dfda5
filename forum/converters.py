class IdConverter:
    """A database id: at most 18 digits, so it always fits a 64-bit column.

    Django's `int` converter accepts any length, and a 30-digit id overflows
    the database driver (a 500); this one makes such a URL a plain 404.
    """

    regex = "[0-9]{1,18}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)
