"""Serves one of the JupyterLab builds in this directory (lab3/build or
lab4/build, made by scripts/setup-lab.sh) with Debian's jupyter_server and
jupyterlab_server, for tests/test_lab.py.

    /usr/bin/python3 tests/lab/serve.py --app tests/lab/lab3 --state DIR \\
        [jupyter_server options: --port=... --ServerApp.token=... ...]

The application is a jupyterlab_server LabServerApp: it serves the page
(templates/index.html), the build's bundle, the extensions' settings schemas
and themes, and the REST API and kernel websockets of jupyter_server.
Settings the user changes (the theme) and workspaces go to DIR, never to the
build, so every run starts from the defaults. No configuration files on the
machine are read.
"""

import argparse
import json
import os
import sys

# Before jupyter_server is imported: no config files from the machine.
os.environ["JUPYTER_NO_CONFIG"] = "1"

from jupyterlab_server import LabServerApp  # noqa: E402
from traitlets import Unicode  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def _jupyter_server_extension_points():
    return [{"module": __name__, "app": GocurrentLab}]


class GocurrentLab(LabServerApp):
    """JupyterLab as a jupyter_server extension; its directories come as
    configuration (see main)."""

    name = __name__
    extension_url = "/lab"
    default_url = "/lab"
    load_other_extensions = False
    app_name = "JupyterLab (gocurrent tests)"
    app_version = Unicode("", help="The version of the application (package.json's).").tag(config=True)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--app", required=True, help="the directory with package.json and build/")
    parser.add_argument("--state", required=True, help="a directory for user settings and workspaces")
    args, rest = parser.parse_known_args(argv)
    app = os.path.abspath(args.app)
    build = os.path.join(app, "build")
    if not os.path.isfile(os.path.join(build, "bundle.js")):
        sys.exit(f"serve.py: {build}/bundle.js is missing; run scripts/setup-lab.sh first")
    with open(os.path.join(app, "package.json"), encoding="utf-8") as f:
        version = json.load(f)["version"]
    state = os.path.abspath(args.state)
    dirs = {
        "app_version": version,
        "static_dir": build,
        "schemas_dir": os.path.join(build, "schemas"),
        "themes_dir": os.path.join(build, "themes"),
        "templates_dir": os.path.join(HERE, "templates"),
        "app_settings_dir": os.path.join(state, "app-settings"),
        "user_settings_dir": os.path.join(state, "user-settings"),
        "workspaces_dir": os.path.join(state, "workspaces"),
    }
    for key in ("app_settings_dir", "user_settings_dir", "workspaces_dir"):
        os.makedirs(dirs[key], exist_ok=True)
    # JupyterLab 4 renders only the cells near the viewport by default
    # (windowing): the tests read every cell's outputs of a notebook at
    # once, so the fixture has every cell rendered, as JupyterLab 3 does.
    with open(os.path.join(dirs["app_settings_dir"], "overrides.json"), "w", encoding="utf-8") as f:
        json.dump({"@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"}}, f)
    config = [f"--GocurrentLab.{key}={value}" for key, value in dirs.items()]
    # no terminals: the tests use none
    config.append("--ServerApp.terminals_enabled=False")
    GocurrentLab.launch_instance(argv=config + rest)


if __name__ == "__main__":
    main(sys.argv[1:])
