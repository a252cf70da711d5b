"""Reading workflows where they are: a Temporal server or Temporal Cloud, through the SDK's client.

Qt-free and HTTP-free: ``connection`` (the settings and the SDK's connect arguments),
``fetch`` (a history, page by page, as ``temporal workflow show -o json`` prints it),
``listing`` (the visibility list), ``links`` (the runs a history points to), ``errors``
(one line that says what to do), ``keyring_store`` (a saved connection's API key, in the
system keyring only), ``commandline`` and ``history_input`` (what the verbs share).

The package's names are imported from their modules; this one stays empty so the command
line's parser can import ``inspector.live.commandline`` without loading the SDK's client.
"""
