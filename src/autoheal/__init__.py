"""CI Autoheal: fix mechanical CI breakage, re-validate it, roll back what stays broken."""

__version__ = "1.0.0"
USER_AGENT = f"ci-autoheal/{__version__}"
