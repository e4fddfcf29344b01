"""Prints JupyterLab settings defaults that point back to the Atrium portal at sys.argv[1].

The start script writes them to <config path>/labconfig/default_setting_overrides.json at each start:
the portal's public address is only known then. The link uses JupyterLab's own `help:open` command,
so no extension has to be built.
"""
import json
import sys

portal = sys.argv[1].rstrip("/")
back = {"command": "help:open", "args": {"url": portal + "/", "text": "Back to Atrium", "newBrowserTab": True}}
print(json.dumps({
    "@jupyterlab/mainmenu-extension:plugin": {
        "menus": [
            # Next to Log Out and Shut Down (rank 99), as JupyterHub's "Hub Control Panel" is.
            {"id": "jp-mainmenu-file", "items": [{"type": "separator", "rank": 98}, dict(back, rank=98)]},
            {"id": "jp-mainmenu-help", "items": [dict(back, rank=0)]},
        ]
    },
}, indent=2))
