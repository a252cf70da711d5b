"""The desktop inspector: PySide6 widgets on a qasync loop, shared by the app and screenshots.

The GUI never transforms a payload itself: every view goes through ``inspector.pipeline``
via ``inspector.views`` (the code the CLI uses), so what it shows equals what the
codec server answers.
"""
