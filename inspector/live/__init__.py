"""Reading workflows where they are: a Temporal server or Temporal Cloud, through the SDK's client.

Qt-free and HTTP-free: ``connection`` (the settings and the SDK's connect arguments),
``fetch`` (a history, page by page, as ``temporal workflow show -o json`` prints it),
``listing`` (the visibility list), ``errors`` (one line that says what to do),
``keyring_store`` (a saved connection's API key, in the system keyring only).

The package's names are imported from their modules; this one stays empty so the command
line's parser can import ``inspector.live.commandline`` without loading the SDK's client.
"""
