"""A server process gets ready before its first request: the modules that requests import on
first use, every page and document template compiled, the PDF renderer started. Without it the
first requests of each process pay for these (at a slot release, which may be a process's first
minutes after a deployment, 5 % of the rush's CPU went into compiling and importing).

Called by wsgi.py for gunicorn and by create_app for `flask run`."""
from __future__ import annotations

import importlib
import pkgutil

# Never loaded in a server process: WeasyPrint lives in the renderer's process (portal.pdf.renderer).
NOT_IN_A_SERVER = frozenset({"portal.pdf.weasy", "portal.pdf.render_server"})
# Commands and demo data: not what a request imports.
NOT_FOR_REQUESTS = ("portal.cli", "portal.demo")


def warm_up(app) -> None:
    import_request_modules()
    compile_templates(app)
    from portal.pdf import warm_up as start_renderer

    start_renderer()


def import_request_modules() -> list[str]:
    """Import every module of the portal a request may import on first use; their names."""
    import portal

    names = [module.name for module in pkgutil.walk_packages(portal.__path__, "portal.")
             if module.name not in NOT_IN_A_SERVER and not module.name.startswith(NOT_FOR_REQUESTS)]
    for name in names:
        importlib.import_module(name)
    return names


def compile_templates(app) -> int:
    """Compile every template into the Jinja caches (the pages' and the printed documents');
    returns how many."""
    from portal.pdf.templates import TEMPLATE_DIR, document_environment

    pages = [name for name in app.jinja_env.list_templates() if not name.startswith(f"{TEMPLATE_DIR.name}/")]
    for name in pages:
        app.jinja_env.get_template(name)
    documents = document_environment()
    printed = documents.list_templates()
    for name in printed:
        documents.get_template(name)
    return len(pages) + len(printed)
