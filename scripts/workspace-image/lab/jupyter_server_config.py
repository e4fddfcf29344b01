# jupyter_server settings of Atrium's JupyterLab image (/etc/jupyter). The base URL comes from the start
# script, the token from JUPYTER_TOKEN in the environment.
c = get_config()  # noqa: F821

c.ServerApp.ip = "0.0.0.0"
c.ServerApp.port = 8888
c.ServerApp.open_browser = False
# The portal reverse-proxies, so Origin/Host differ from the server's own; without this, WebSocket
# (kernel, terminal, event) connections are refused with 403. The portal checks Origin itself.
c.ServerApp.allow_origin = "*"
c.ServerApp.terminals_enabled = True
# File > Shut Down ends the server (the container exits 0: the portal records "stopped from Jupyter").
c.ServerApp.quit_button = True
# Settings and workspace layouts live under ~/.jupyter, on the home volume (these are the defaults,
# spelt out because losing them at a restart is what this image must not do).
c.LabApp.user_settings_dir = "/home/jovyan/.jupyter/lab/user-settings"
c.LabApp.workspaces_dir = "/home/jovyan/.jupyter/lab/workspaces"
# No calls to the internet: no news feed, no update check.
c.LabApp.news_url = None
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"
# The extension manager would search PyPI.org from the server; installs go through the Packages page.
c.LabApp.extension_manager = "readonly"
