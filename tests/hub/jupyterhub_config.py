# JupyterHub configuration for tests/test_hub.py and bench/bench_hub.py:
# a throw-away hub on loopback whose users run the gocurrent kernel.
#
# Everything comes from the environment (tests/hub/hubdriver.py sets it):
#
#   GOCURRENT_HUB_STATE      directory for the sqlite db, cookie secret, pid
#                            files and the users' homes (STATE/homes/NAME)
#   GOCURRENT_HUB_PORT       public port (the proxy), 127.0.0.1
#   GOCURRENT_HUB_API_PORT   the hub's own port, 127.0.0.1
#   GOCURRENT_HUB_PROXY_API_PORT  configurable-http-proxy's REST API port
#   GOCURRENT_HUB_PROXY      the configurable-http-proxy executable
#   GOCURRENT_HUB_TOKEN      API token of the service "gocurrent-test"
#   GOCURRENT_HUB_PASSWORD   the DummyAuthenticator's shared password
#   JUPYTER_PATH             where the single-user servers find the
#                            gocurrent kernelspec
#   GOCACHE GOMODCACHE GOPATH GOCURRENT_GO  passed on to the kernels (native
#                            cells build with the Go toolchain)
#
# Not for production: DummyAuthenticator lets anyone who knows the shared
# password in, and SimpleLocalProcessSpawner runs every user's server as the
# hub's own Unix user, with no isolation at all.

import os

c = get_config()  # noqa: F821 (JupyterHub's config loader defines it)

env = os.environ
state = env["GOCURRENT_HUB_STATE"]
token = env["GOCURRENT_HUB_TOKEN"]

# -- network: loopback only
c.JupyterHub.bind_url = "http://127.0.0.1:%s" % env["GOCURRENT_HUB_PORT"]
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(env["GOCURRENT_HUB_API_PORT"])

# -- state: all of it under STATE
c.JupyterHub.db_url = "sqlite:///" + os.path.join(state, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(state, "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = os.path.join(state, "jupyterhub.pid")

# -- proxy: configurable-http-proxy started (and stopped) by the hub
c.ConfigurableHTTPProxy.command = [env["GOCURRENT_HUB_PROXY"]]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:%s" % env["GOCURRENT_HUB_PROXY_API_PORT"]
c.ConfigurableHTTPProxy.pid_file = os.path.join(state, "jupyterhub-proxy.pid")
c.ConfigurableHTTPProxy.should_start = True
c.ConfigurableHTTPProxy.debug = False

# -- users: a shared password
c.JupyterHub.authenticator_class = "jupyterhub.auth.DummyAuthenticator"
c.DummyAuthenticator.password = env["GOCURRENT_HUB_PASSWORD"]

# -- a service token for the driver: create users and their tokens, start
#    and stop their servers (JupyterHub 3.0 roles and scopes)
c.JupyterHub.services = [{"name": "gocurrent-test", "api_token": token}]
c.JupyterHub.load_roles = [
    {
        "name": "gocurrent-test",
        "description": "the test driver: manages users, their servers and tokens",
        "scopes": ["admin:users", "admin:servers", "tokens", "access:servers"],
        "services": ["gocurrent-test"],
    }
]

# -- single-user servers: Debian's classic notebook server (notebook 6),
#    wrapped by JupyterHub's jupyterhub-singleuser. Debian has no
#    jupyter_server, and jupyterhub-singleuser would look for it first.
c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
c.SimpleLocalProcessSpawner.home_dir_template = os.path.join(state, "homes", "{username}")
c.Spawner.cmd = ["/usr/bin/jupyterhub-singleuser"]
c.Spawner.default_url = "/tree"
if os.geteuid() == 0:  # a container running as root: the notebook server refuses without it
    c.Spawner.args = ["--allow-root"]
c.Spawner.ip = "127.0.0.1"
c.Spawner.environment = {
    "JUPYTERHUB_SINGLEUSER_APP": "notebook.notebookapp.NotebookApp",
    "JUPYTER_PATH": env["JUPYTER_PATH"],
    # HOME is the user's home (the spawner sets it); Jupyter's own
    # directories follow it, so each user has their own runtime dir.
    **{k: env[k] for k in ("GOCACHE", "GOMODCACHE", "GOPATH", "GOCURRENT_GO") if env.get(k)},
}
# A busy machine (many users at once, two cores) starts servers slowly.
c.Spawner.start_timeout = int(env.get("GOCURRENT_HUB_START_TIMEOUT", "120"))
c.Spawner.http_timeout = int(env.get("GOCURRENT_HUB_START_TIMEOUT", "120"))
c.JupyterHub.concurrent_spawn_limit = 0  # no limit: the bench starts them all at once
c.JupyterHub.active_server_limit = 0

# -- shutdown: stopping the hub stops the proxy and every user's server
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True
