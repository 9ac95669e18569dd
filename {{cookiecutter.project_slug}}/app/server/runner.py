import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import ChangeReload, Multiprocess

from app.server.server_config import ServerConfig


def run_server(config: ServerConfig) -> int:
    """What `uvicorn.run` does with its keyword arguments, for a config built by us.

    uvicorn.run builds its own Config, which cannot carry our limits; this dispatches
    the same way: a reloader, a supervisor of worker processes, or one server.
    """
    server = uvicorn.Server(config)
    try:
        if config.should_reload:
            ChangeReload(config, target=server.run, sockets=[config.bind_socket()]).run()
        elif config.workers > 1:
            Multiprocess(config, sockets=[config.bind_socket()]).run()
        else:
            server.run()
    except KeyboardInterrupt:
        pass
    if not server.started and not config.use_subprocess:
        return STARTUP_FAILURE
    return 0
