"""Framework data (``rules/frameworks/*.toml``) against the real analysis.

For every framework file: each kind of entry it declares (decorator,
registration, base class, class heuristic, function heuristic) finds a
per-request function that creates an engine/pool/client, with one CNL201 at
the exact position and the exact message; the framework's one-time places
stay clean; and so do the patterns that frameworks.md lists as right.  Then
how a handler reaches code in its module: helpers, classes, caches, guards
and the depth limit.

A case can be marked ``xfail(strict=True)`` with a reason, to pin down what
the analysis code (not the data) gets wrong; none is today.
"""

from __future__ import annotations

import sys
import textwrap
from dataclasses import dataclass

import pytest

from connlint.datafiles import CatalogError
from connlint.frameworks import frameworks_dir, load_frameworks
from connlint.handlers import MAX_DEPTH
from tests.helpers import findings_for, positions

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ENGINE = "SQLAlchemy engine from create_engine()"
ASYNC_ENGINE = "SQLAlchemy async engine from create_async_engine()"
REDIS = "Redis client from redis.Redis()"
MONGO = "MongoClient from pymongo.MongoClient()"
HTTPX_ASYNC = "httpx async client from httpx.AsyncClient()"
AIOHTTP_SESSION = "aiohttp session from aiohttp.ClientSession()"

KINDS = ("decorator", "registration", "base", "class", "function")


@dataclass(frozen=True)
class Entry:
    framework: str  # the file stem in rules/frameworks/
    kind: str  # decorator | registration | base | class | function
    source: str
    at: tuple  # (line, column) of the creating call
    subject: str  # "SQLAlchemy engine from create_engine()"
    via: str  # "get_user() (Flask route '/users/<int:uid>')"
    var: str
    unit: str = "request"
    path: str = "example.py"
    startup: str = ""  # for a client that needs the running loop: the framework's startup hook

    @property
    def message(self) -> str:
        if self.startup:
            where = f"in {self.startup} and share '{self.var}' (not at module level: it needs the running event loop)"
        else:
            where = f"at module level (or in the app factory / lifespan) and share '{self.var}'"
        return f"{self.subject} is created on every {self.unit} via {self.via}; create it once {where}"


@dataclass(frozen=True)
class Clean:
    framework: str
    source: str
    path: str = "example.py"


def _xfail(reason):
    return [pytest.mark.xfail(strict=True, reason=reason)] if reason else []


def entry(framework, kind, name, source, at, subject, via, var, unit="request", path="example.py", xfail=None,
          startup=""):
    assert kind in KINDS, kind
    case = Entry(framework, kind, source, at, subject, via, var, unit, path, startup)
    return pytest.param(case, id=f"{framework}-{kind}-{name}", marks=_xfail(xfail))


def clean(framework, name, source, path="example.py", xfail=None):
    return pytest.param(Clean(framework, source, path), id=f"{framework}-{name}", marks=_xfail(xfail))


# ---------------------------------------------------------------------------
# Per-request entry points: exactly one CNL201, at the creating call.
# ---------------------------------------------------------------------------

PER_REQUEST = [
    # -- Flask ----------------------------------------------------------------
    entry("flask", "decorator", "route", """\
        from flask import Flask
        from sqlalchemy import create_engine, text
        app = Flask(__name__)
        @app.route("/users/<int:uid>")
        def get_user(uid):
            engine = create_engine("postgresql://db/app")
            with engine.connect() as conn:
                return str(conn.execute(text("select name from users where id = :id"), {"id": uid}).scalar())
        """, (6, 14), ENGINE, "get_user() (Flask route '/users/<int:uid>')", "engine"),
    entry("flask", "decorator", "blueprint-get", """\
        from flask import Blueprint
        import redis
        bp = Blueprint("users", __name__)
        @bp.get("/users/<uid>")
        def get_user(uid):
            r = redis.Redis()
            return str(r.get(uid))
        """, (6, 9), REDIS, "get_user() (Flask route '/users/<uid>')", "r"),
    entry("flask", "decorator", "before_request", """\
        from flask import Flask, g
        import redis
        app = Flask(__name__)
        @app.before_request
        def load_cache():
            g.cache = redis.Redis()
        """, (6, 15), REDIS, "load_cache() (Flask request hook)", "r"),
    entry("flask", "registration", "add_url_rule", """\
        from flask import Flask
        from sqlalchemy import create_engine
        app = Flask(__name__)
        def get_user(uid):
            engine = create_engine("postgresql://db/app")
            return str(engine.url)
        app.add_url_rule("/users/<int:uid>", "user", get_user)
        """, (5, 14), ENGINE, "get_user() (Flask route '/users/<int:uid>')", "engine"),
    entry("flask", "base", "methodview", """\
        from flask.views import MethodView
        import redis
        class UserAPI(MethodView):
            def get(self, uid):
                r = redis.Redis()
                return str(r.get(uid))
        """, (5, 13), REDIS, "UserAPI.get() (Flask view)", "r"),
    # -- FastAPI --------------------------------------------------------------
    entry("fastapi", "decorator", "route", """\
        from fastapi import FastAPI
        from sqlalchemy import create_engine
        app = FastAPI()
        @app.get("/users/{uid}")
        def read_user(uid: int):
            engine = create_engine("postgresql://db/app")
            return str(engine.url)
        """, (6, 14), ENGINE, "read_user() (FastAPI route '/users/{uid}')", "engine"),
    entry("fastapi", "decorator", "middleware", """\
        from fastapi import FastAPI, Request
        import httpx
        app = FastAPI()
        @app.middleware("http")
        async def audit(request: Request, call_next):
            client = httpx.AsyncClient()
            await client.post("http://audit/log", json={"path": request.url.path})
            return await call_next(request)
        """, (6, 14), HTTPX_ASYNC, "audit() (FastAPI middleware)", "client"),
    entry("fastapi", "registration", "add_api_route", """\
        from fastapi import APIRouter
        import redis
        router = APIRouter()
        def read_user(uid: int):
            r = redis.Redis()
            return r.get(uid)
        router.add_api_route("/users/{uid}", read_user)
        """, (5, 9), REDIS, "read_user() (FastAPI route '/users/{uid}')", "r"),
    entry("fastapi", "registration", "depends-function", """\
        from fastapi import Depends, FastAPI
        from sqlalchemy import create_engine
        from sqlalchemy.orm import Session
        app = FastAPI()
        def get_db():
            engine = create_engine("postgresql://db/app")
            with Session(engine) as session:
                yield session
        @app.get("/items")
        def items(db: Session = Depends(get_db)):
            return []
        """, (6, 14), ENGINE, "get_db() (FastAPI dependency)", "engine"),
    entry("fastapi", "registration", "depends-class", """\
        from fastapi import Depends, FastAPI
        import redis
        class Cache:
            def __init__(self):
                self.client = redis.Redis()
        app = FastAPI()
        @app.get("/users/{uid}")
        def read_user(uid: int, cache: Cache = Depends(Cache)):
            return cache.client.get(uid)
        """, (5, 23), REDIS, "Cache.__init__() (FastAPI dependency)", "r"),
    entry("fastapi", "decorator", "router-prefix", """\
        from fastapi import APIRouter
        import httpx
        router = APIRouter(prefix="/node/api/v1/", tags=["node"])
        @router.get("/rank")
        async def rank():
            client = httpx.AsyncClient()
            return (await client.get("https://1ml.com/node")).json()
        """, (6, 14), HTTPX_ASYNC, "rank() (FastAPI route '/node/api/v1/rank')", "client"),
    # -- Starlette ------------------------------------------------------------
    entry("starlette", "registration", "route", """\
        from starlette.applications import Starlette
        from starlette.responses import PlainTextResponse
        from starlette.routing import Route
        import redis
        async def homepage(request):
            r = redis.Redis()
            return PlainTextResponse(str(r.get("greeting")))
        app = Starlette(routes=[Route("/", homepage)])
        """, (6, 9), REDIS, "homepage() (Starlette route '/')", "r"),
    entry("starlette", "base", "http-endpoint", """\
        from starlette.endpoints import HTTPEndpoint
        from starlette.responses import PlainTextResponse
        from sqlalchemy import create_engine
        class User(HTTPEndpoint):
            async def get(self, request):
                engine = create_engine("postgresql://db/app")
                return PlainTextResponse(str(engine.url))
        """, (6, 18), ENGINE, "User.get() (Starlette endpoint)", "engine"),
    entry("starlette", "base", "middleware", """\
        from starlette.middleware.base import BaseHTTPMiddleware
        import httpx
        class Audit(BaseHTTPMiddleware):
            async def dispatch(self, request, call_next):
                client = httpx.AsyncClient()
                await client.post("http://audit/log", json={})
                return await call_next(request)
        """, (5, 18), HTTPX_ASYNC, "Audit.dispatch() (Starlette middleware)", "client"),
    # -- Django ---------------------------------------------------------------
    entry("django", "registration", "path", """\
        from django.http import HttpResponse
        from django.urls import path
        from sqlalchemy import create_engine
        def user_detail(request, uid):
            engine = create_engine("postgresql://db/app")
            return HttpResponse(str(engine.url))
        urlpatterns = [path("users/<int:uid>/", user_detail)]
        """, (5, 14), ENGINE, "user_detail() (Django view 'users/<int:uid>/')", "engine"),
    entry("django", "base", "class-based-view", """\
        from django.views.generic import View
        from django.http import HttpResponse
        import redis
        class UserView(View):
            def get(self, request, uid):
                r = redis.Redis()
                return HttpResponse(r.get(uid))
        """, (6, 13), REDIS, "UserView.get() (Django view)", "r"),
    entry("django", "base", "middleware-mixin", """\
        from django.utils.deprecation import MiddlewareMixin
        import redis
        class CountMiddleware(MiddlewareMixin):
            def process_request(self, request):
                r = redis.Redis()
                r.incr(request.path)
        """, (5, 13), REDIS, "CountMiddleware.process_request() (Django middleware)", "r"),
    entry("django", "function", "views-module", """\
        from django.http import HttpResponse
        import redis
        def user_detail(request, uid):
            r = redis.Redis()
            return HttpResponse(r.get(uid))
        """, (4, 9), REDIS, "user_detail() (Django view)", "r", path="users/views.py"),
    entry("django", "class", "new-style-middleware", """\
        import redis
        class CountMiddleware:
            def __init__(self, get_response):
                self.get_response = get_response
            def __call__(self, request):
                r = redis.Redis()
                r.incr(request.path)
                return self.get_response(request)
        """, (6, 13), REDIS, "CountMiddleware.__call__() (Django middleware)", "r"),
    entry("django", "class", "new-style-middleware-process_view", """\
        from sqlalchemy import create_engine
        class AuditMiddleware:
            def __init__(self, get_response):
                self.get_response = get_response
            def __call__(self, request):
                return self.get_response(request)
            def process_view(self, request, view_func, view_args, view_kwargs):
                engine = create_engine("postgresql://db/app")
                with engine.begin() as conn:
                    return None
        """, (8, 18), ENGINE, "AuditMiddleware.process_view() (Django middleware)", "engine"),
    entry("django", "function", "middleware-factory", """\
        import redis
        def count_middleware(get_response):
            prefix = "hits:"
            def middleware(request):
                r = redis.Redis()
                r.incr(prefix + request.path)
                return get_response(request)
            return middleware
        """, (5, 13), REDIS, "count_middleware.middleware() (Django middleware)", "r"),
    entry("django", "function", "middleware-factory-sync-and-async", """\
        from asgiref.sync import iscoroutinefunction
        from django.utils.decorators import sync_and_async_middleware
        import redis
        @sync_and_async_middleware
        def count_middleware(get_response):
            if iscoroutinefunction(get_response):
                async def middleware(request):
                    return await get_response(request)
            else:
                def middleware(request):
                    r = redis.Redis()
                    r.incr(request.path)
                    return get_response(request)
            return middleware
        """, (11, 17), REDIS, "count_middleware.middleware() (Django middleware)", "r"),
    # -- Django request signals -----------------------------------------------
    entry("django_signals", "registration", "request_started-connect", """\
        from django.core.signals import request_started
        import redis
        def count_request(sender, **kwargs):
            r = redis.Redis()
            r.incr("requests")
        request_started.connect(count_request)
        """, (4, 9), REDIS, "count_request() (Django request signal receiver)", "r"),
    entry("django_signals", "decorator", "receiver", """\
        from django.core.signals import request_started
        from django.dispatch import receiver
        import redis
        @receiver(request_started)
        def count_request(sender, **kwargs):
            r = redis.Redis()
            r.incr("requests")
        """, (6, 9), REDIS, "count_request() (Django request signal receiver)", "r"),
    entry("django_signals", "decorator", "receiver-signal-list-module-attribute", """\
        from django.core import signals
        from django.db.models.signals import post_save
        from django.dispatch import receiver
        from sqlalchemy import create_engine
        @receiver([post_save, signals.request_finished])
        def audit(sender, **kwargs):
            engine = create_engine("postgresql://db/audit")
            try:
                with engine.begin() as conn:
                    return None
            finally:
                engine.dispose()
        """, (7, 14), ENGINE, "audit() (Django request signal receiver)", "engine"),
    # -- Celery ---------------------------------------------------------------
    entry("celery", "decorator", "app-task", """\
        from celery import Celery
        from sqlalchemy import create_engine
        app = Celery("tasks", broker="redis://localhost")
        @app.task(bind=True)
        def refresh(self, key):
            engine = create_engine("postgresql://db/app")
            return str(engine.url)
        """, (6, 14), ENGINE, "refresh() (Celery task)", "engine", unit="task"),
    entry("celery", "decorator", "shared_task", """\
        from celery import shared_task
        import redis
        @shared_task
        def refresh(key):
            r = redis.Redis()
            r.delete(key)
        """, (5, 9), REDIS, "refresh() (Celery task)", "r", unit="task"),
    entry("celery", "decorator", "task_prerun", """\
        from celery.signals import task_prerun
        import redis
        @task_prerun.connect
        def before(sender=None, task_id=None, task=None, **kwargs):
            r = redis.Redis()
            r.incr(task.name)
        """, (5, 9), REDIS, "before() (Celery task signal receiver)", "r", unit="task"),
    entry("celery", "base", "task-run", """\
        from celery import Task
        import redis
        class Refresh(Task):
            def run(self, key):
                r = redis.Redis()
                r.delete(key)
        """, (5, 13), REDIS, "Refresh.run() (Celery task)", "r", unit="task"),
    # -- Quart ----------------------------------------------------------------
    entry("quart", "decorator", "route", """\
        from quart import Quart
        from sqlalchemy import create_engine
        app = Quart(__name__)
        @app.route("/users/<int:uid>")
        async def get_user(uid):
            engine = create_engine("postgresql://db/app")
            return str(engine.url)
        """, (6, 14), ENGINE, "get_user() (Quart route '/users/<int:uid>')", "engine"),
    entry("quart", "decorator", "blueprint-get", """\
        from quart import Blueprint
        import redis
        bp = Blueprint("users", __name__)
        @bp.get("/users/<uid>")
        async def get_user(uid):
            r = redis.Redis()
            return str(r.get(uid))
        """, (6, 9), REDIS, "get_user() (Quart route '/users/<uid>')", "r"),
    entry("quart", "decorator", "websocket", """\
        from quart import Quart, websocket
        import redis
        app = Quart(__name__)
        @app.websocket("/ws")
        async def feed():
            r = redis.Redis()
            while True:
                await websocket.send(str(r.get("news")))
        """, (6, 9), REDIS, "feed() (Quart websocket '/ws')", "r"),
    entry("quart", "decorator", "before_websocket", """\
        from quart import Quart, g
        import redis
        app = Quart(__name__)
        @app.before_websocket
        async def load_cache():
            g.cache = redis.Redis()
        """, (6, 15), REDIS, "load_cache() (Quart request hook)", "r"),
    entry("quart", "registration", "add_url_rule", """\
        from quart import Quart
        import redis
        app = Quart(__name__)
        async def get_user(uid):
            r = redis.Redis()
            return str(r.get(uid))
        app.add_url_rule("/users/<uid>", "user", get_user)
        """, (5, 9), REDIS, "get_user() (Quart route '/users/<uid>')", "r"),
    entry("quart", "registration", "add_websocket", """\
        from quart import Quart, websocket
        import redis
        app = Quart(__name__)
        async def feed():
            r = redis.Redis()
            await websocket.send(str(r.get("news")))
        app.add_websocket("/ws", "feed", feed)
        """, (5, 9), REDIS, "feed() (Quart websocket '/ws')", "r"),
    entry("quart", "base", "methodview", """\
        from quart.views import MethodView
        from sqlalchemy import create_engine
        class UserView(MethodView):
            async def get(self, uid):
                engine = create_engine("postgresql://db/app")
                return str(engine.url)
        """, (5, 18), ENGINE, "UserView.get() (Quart view)", "engine"),
    # -- aiohttp --------------------------------------------------------------
    entry("aiohttp", "decorator", "routetabledef", """\
        from aiohttp import web
        from sqlalchemy import create_engine
        routes = web.RouteTableDef()
        @routes.get("/users/{uid}")
        async def get_user(request):
            engine = create_engine("postgresql://db/app")
            return web.Response(text=str(engine.url))
        """, (6, 14), ENGINE, "get_user() (aiohttp route '/users/{uid}')", "engine"),
    entry("aiohttp", "decorator", "client-session-per-request", """\
        import aiohttp
        from aiohttp import web
        routes = web.RouteTableDef()
        @routes.get("/proxy")
        async def proxy(request):
            async with aiohttp.ClientSession() as session:
                async with session.get("http://upstream/") as resp:
                    return web.Response(text=await resp.text())
        """, (6, 16), AIOHTTP_SESSION, "proxy() (aiohttp route '/proxy')", "session",
        startup="a cleanup context (app.cleanup_ctx.append(...))"),
    entry("aiohttp", "decorator", "middleware", """\
        from aiohttp import web
        import redis
        @web.middleware
        async def count(request, handler):
            r = redis.Redis()
            r.incr(request.path)
            return await handler(request)
        """, (5, 9), REDIS, "count() (aiohttp middleware)", "r"),
    entry("aiohttp", "registration", "add_routes-web-get", """\
        from aiohttp import web
        import redis
        async def get_user(request):
            r = redis.Redis()
            return web.Response(text=str(r.get(request.match_info["uid"])))
        app = web.Application()
        app.add_routes([web.get("/users/{uid}", get_user)])
        """, (4, 9), REDIS, "get_user() (aiohttp route '/users/{uid}')", "r"),
    entry("aiohttp", "registration", "router-add_get", """\
        from aiohttp import web
        import redis
        async def get_user(request):
            r = redis.Redis()
            return web.Response(text=str(r.get(request.match_info["uid"])))
        app = web.Application()
        app.router.add_get("/users/{uid}", get_user)
        """, (4, 9), REDIS, "get_user() (aiohttp route '/users/{uid}')", "r"),
    entry("aiohttp", "registration", "router-add_route", """\
        from aiohttp import web
        import redis
        async def get_user(request):
            r = redis.Redis()
            return web.Response(text=str(r.get(request.match_info["uid"])))
        app = web.Application()
        app.router.add_route("GET", "/users/{uid}", get_user)
        """, (4, 9), REDIS, "get_user() (aiohttp route '/users/{uid}')", "r"),
    entry("aiohttp", "base", "web-view", """\
        from aiohttp import web
        import redis
        class UserView(web.View):
            async def get(self):
                r = redis.Redis()
                return web.Response(text=str(r.get(self.request.match_info["uid"])))
        """, (5, 13), REDIS, "UserView.get() (aiohttp view)", "r"),
    # -- Tornado --------------------------------------------------------------
    entry("tornado", "base", "get", """\
        import tornado.web
        from sqlalchemy import create_engine
        class UserHandler(tornado.web.RequestHandler):
            def get(self, uid):
                engine = create_engine("postgresql://db/app")
                self.write(str(engine.url))
        """, (5, 18), ENGINE, "UserHandler.get() (Tornado handler)", "engine"),
    entry("tornado", "base", "initialize", """\
        from tornado.web import RequestHandler
        from sqlalchemy import create_engine
        class UserHandler(RequestHandler):
            def initialize(self, url):
                self.engine = create_engine(url)
            def get(self, uid):
                self.write(uid)
        """, (5, 23), ENGINE, "UserHandler.initialize() (Tornado handler)", "engine"),
    entry("tornado", "base", "websocket-on_message", """\
        from tornado.websocket import WebSocketHandler
        import redis
        class Feed(WebSocketHandler):
            def on_message(self, message):
                r = redis.Redis()
                r.publish("feed", message)
        """, (5, 13), REDIS, "Feed.on_message() (Tornado handler)", "r"),
    # -- Sanic ----------------------------------------------------------------
    entry("sanic", "decorator", "route", """\
        from sanic import Sanic
        from sanic.response import text
        from sqlalchemy import create_engine
        app = Sanic("users")
        @app.get("/users/<uid:int>")
        async def get_user(request, uid):
            engine = create_engine("postgresql://db/app")
            return text(str(engine.url))
        """, (7, 14), ENGINE, "get_user() (Sanic route '/users/<uid:int>')", "engine"),
    entry("sanic", "decorator", "on_request", """\
        from sanic import Sanic
        import redis
        app = Sanic("users")
        @app.on_request
        async def rate_limit(request):
            r = redis.Redis()
            r.incr(request.ip)
        """, (6, 9), REDIS, "rate_limit() (Sanic middleware)", "r"),
    entry("sanic", "decorator", "middleware-response", """\
        from sanic import Sanic
        import redis
        app = Sanic("users")
        @app.middleware("response")
        async def count(request, response):
            r = redis.Redis()
            r.incr(str(response.status))
        """, (6, 9), REDIS, "count() (Sanic middleware)", "r"),
    entry("sanic", "registration", "add_route", """\
        from sanic import Sanic
        from sanic.response import text
        import redis
        app = Sanic("users")
        async def get_user(request, uid):
            r = redis.Redis()
            return text(str(r.get(uid)))
        app.add_route(get_user, "/users/<uid>")
        """, (6, 9), REDIS, "get_user() (Sanic route '/users/<uid>')", "r"),
    entry("sanic", "base", "httpmethodview", """\
        from sanic.views import HTTPMethodView
        from sanic.response import text
        import redis
        class UserView(HTTPMethodView):
            async def get(self, request, uid):
                r = redis.Redis()
                return text(str(r.get(uid)))
        """, (6, 13), REDIS, "UserView.get() (Sanic view)", "r"),
    # -- Falcon ---------------------------------------------------------------
    entry("falcon", "registration", "add_route-responder", """\
        import falcon
        from sqlalchemy import create_engine
        class ThingsResource:
            def on_get(self, req, resp):
                engine = create_engine("postgresql://db/app")
                resp.media = str(engine.url)
        app = falcon.App()
        app.add_route("/things", ThingsResource())
        """, (5, 18), ENGINE, "ThingsResource.on_get() (Falcon responder '/things')", "engine"),
    entry("falcon", "registration", "add_route-suffix", """\
        import falcon.asgi
        import redis
        class ThingsResource:
            async def on_get_item(self, req, resp, thing_id):
                r = redis.Redis()
                resp.media = r.get(thing_id)
        app = falcon.asgi.App()
        app.add_route("/things/{thing_id}", ThingsResource(), suffix="item")
        """, (5, 13), REDIS, "ThingsResource.on_get_item() (Falcon responder '/things/{thing_id}')", "r"),
    entry("falcon", "registration", "add_middleware", """\
        import falcon
        import redis
        class CountMiddleware:
            def process_request(self, req, resp):
                r = redis.Redis()
                r.incr(req.path)
        app = falcon.App()
        app.add_middleware(CountMiddleware())
        """, (5, 13), REDIS, "CountMiddleware.process_request() (Falcon middleware)", "r"),
    entry("falcon", "registration", "before-hook", """\
        import falcon
        import redis
        def count(req, resp, resource, params):
            r = redis.Redis()
            r.incr(req.path)
        class ThingsResource:
            @falcon.before(count)
            def on_get(self, req, resp):
                resp.media = []
        """, (4, 9), REDIS, "count() (Falcon hook)", "r"),
    entry("falcon", "decorator", "hooked-responder", """\
        import falcon
        import redis
        def authorize(req, resp, resource, params):
            pass
        class ThingsResource:
            @falcon.before(authorize)
            def on_get(self, req, resp):
                r = redis.Redis()
                resp.media = r.get("things")
        """, (8, 13), REDIS, "on_get() (Falcon responder)", "r"),
    entry("falcon", "registration", "middleware-list", """\
        import falcon
        import redis
        class CountMiddleware:
            def process_request(self, req, resp):
                r = redis.Redis()
                r.incr(req.path)
        app = falcon.App(middleware=[CountMiddleware()])
        """, (5, 13), REDIS, "CountMiddleware.process_request() (Falcon middleware)", "r",
    ),
    entry("falcon", "registration", "add_route-with-aiohttp-imported", """\
        import aiohttp
        import falcon
        from sqlalchemy import create_engine
        class ThingsResource:
            def on_get(self, req, resp):
                engine = create_engine("postgresql://db/app")
                resp.media = str(engine.url)
        app = falcon.App()
        app.add_route("/things", ThingsResource())
        """, (6, 18), ENGINE, "ThingsResource.on_get() (Falcon responder '/things')", "engine",
    ),
    # -- Pyramid --------------------------------------------------------------
    entry("pyramid", "decorator", "view_config", """\
        from pyramid.view import view_config
        from sqlalchemy import create_engine
        @view_config(route_name="user", renderer="json")
        def get_user(request):
            engine = create_engine(request.registry.settings["sqlalchemy.url"])
            return {"url": str(engine.url)}
        """, (5, 14), ENGINE, "get_user() (Pyramid view)", "engine"),
    entry("pyramid", "decorator", "view_config-method", """\
        from pyramid.view import view_config, view_defaults
        import redis
        @view_defaults(route_name="user", renderer="json")
        class UserViews:
            def __init__(self, request):
                self.request = request
            @view_config(request_method="GET")
            def get(self):
                r = redis.Redis()
                return {"name": r.get(self.request.matchdict["uid"])}
        """, (9, 13), REDIS, "get() (Pyramid view)", "r"),
    entry("pyramid", "registration", "add_view", """\
        from pyramid.config import Configurator
        import redis
        def get_user(request):
            r = redis.Redis()
            return {"name": r.get(request.matchdict["uid"])}
        def main(global_config, **settings):
            with Configurator(settings=settings) as config:
                config.add_route("user", "/users/{uid}")
                config.add_view(get_user, route_name="user", renderer="json")
                return config.make_wsgi_app()
        """, (4, 9), REDIS, "get_user() (Pyramid view)", "r"),
    entry("pyramid", "registration", "add_request_method", """\
        from pyramid.config import Configurator
        from sqlalchemy import create_engine
        def engine(request):
            return create_engine(request.registry.settings["sqlalchemy.url"])
        def includeme(config: Configurator):
            config.add_request_method(engine, "engine", reify=True)
        """, (4, 12), ENGINE, "engine() (Pyramid request method)", "engine"),
    entry("pyramid", "decorator", "view-class-init", """\
        from pyramid.view import view_config, view_defaults
        from sqlalchemy import create_engine
        @view_defaults(route_name="user", renderer="json")
        class UserViews:
            def __init__(self, request):
                self.request = request
                self.engine = create_engine("postgresql://db/app")
            @view_config(request_method="GET")
            def get(self):
                return {"url": str(self.engine.url)}
        """, (7, 23), ENGINE, "UserViews.__init__() (Pyramid view)", "engine"),
    entry("pyramid", "decorator", "view_config-on-class", """\
        from pyramid.view import view_config
        from sqlalchemy import create_engine
        @view_config(route_name="user", renderer="json")
        class UserView:
            def __init__(self, request):
                self.request = request
            def __call__(self):
                engine = create_engine("postgresql://db/app")
                return {"url": str(engine.url)}
        """, (8, 18), ENGINE, "UserView.__call__() (Pyramid view)", "engine",
    ),
    entry("pyramid", "decorator", "newrequest-subscriber", """\
        from pyramid.events import NewRequest, subscriber
        import redis
        @subscriber(NewRequest)
        def count_request(event):
            r = redis.Redis()
            r.incr("requests")
        """, (5, 9), REDIS, "count_request() (Pyramid NewRequest subscriber)", "r"),
    entry("pyramid", "decorator", "subscriber-several-events-interface", """\
        from pyramid.events import ApplicationCreated, subscriber
        from pyramid.interfaces import INewResponse
        import redis
        @subscriber(ApplicationCreated, INewResponse)
        def count(event):
            r = redis.Redis()
            r.incr("events")
        """, (6, 9), REDIS, "count() (Pyramid NewResponse subscriber)", "r"),
    entry("pyramid", "registration", "add_subscriber", """\
        from pyramid.events import NewRequest
        import redis
        def count_request(event):
            r = redis.Redis()
            r.incr(event.request.path)
        def includeme(config):
            config.add_subscriber(count_request, NewRequest)
        """, (4, 9), REDIS, "count_request() (Pyramid NewRequest subscriber)", "r"),
    entry("pyramid", "registration", "add_subscriber-dotted-name", """\
        from pyramid.config import Configurator
        import redis
        def add_globals(event):
            r = redis.Redis()
            event["hits"] = r.incr("renders")
        def main(global_config, **settings):
            with Configurator(settings=settings) as config:
                config.add_subscriber(add_globals, iface="pyramid.events.BeforeRender")
                return config.make_wsgi_app()
        """, (4, 9), REDIS, "add_globals() (Pyramid BeforeRender subscriber)", "r"),
    # -- Bottle ---------------------------------------------------------------
    entry("bottle", "decorator", "route", """\
        from bottle import route
        from sqlalchemy import create_engine
        @route("/users/<uid:int>")
        def get_user(uid):
            engine = create_engine("postgresql://db/app")
            return str(engine.url)
        """, (5, 14), ENGINE, "get_user() (Bottle route '/users/<uid:int>')", "engine"),
    entry("bottle", "decorator", "app-get", """\
        import bottle
        import redis
        app = bottle.Bottle()
        @app.get("/users/<uid>")
        def get_user(uid):
            r = redis.Redis()
            return r.get(uid)
        """, (6, 9), REDIS, "get_user() (Bottle route '/users/<uid>')", "r"),
    entry("bottle", "decorator", "hook", """\
        from bottle import hook, request
        import redis
        @hook("before_request")
        def count():
            r = redis.Redis()
            r.incr(request.path)
        """, (5, 9), REDIS, "count() (Bottle hook)", "r"),
    entry("bottle", "decorator", "app-hook-after_request", """\
        import bottle
        import redis
        app = bottle.Bottle()
        @app.hook("after_request")
        def count():
            r = redis.Redis()
            r.incr(bottle.request.path)
        """, (6, 9), REDIS, "count() (Bottle hook)", "r"),
    entry("bottle", "registration", "route-callback", """\
        import bottle
        import redis
        app = bottle.Bottle()
        def get_user(uid):
            r = redis.Redis()
            return r.get(uid)
        app.route("/users/<uid>", "GET", get_user)
        """, (5, 9), REDIS, "get_user() (Bottle route '/users/<uid>')", "r"),
    entry("bottle", "registration", "add_hook", """\
        import bottle
        import redis
        app = bottle.Bottle()
        def count():
            r = redis.Redis()
            r.incr(bottle.request.path)
        app.add_hook("before_request", count)
        """, (5, 9), REDIS, "count() (Bottle hook)", "r"),
    # -- Litestar -------------------------------------------------------------
    entry("litestar", "decorator", "get", """\
        from litestar import Litestar, get
        from sqlalchemy.ext.asyncio import create_async_engine
        @get("/users/{uid:int}")
        async def get_user(uid: int) -> str:
            engine = create_async_engine("postgresql+asyncpg://db/app")
            return str(engine.url)
        app = Litestar([get_user])
        """, (5, 14), ASYNC_ENGINE, "get_user() (Litestar route '/users/{uid:int}')", "engine"),
    entry("litestar", "decorator", "controller-method", """\
        from litestar import Controller, get
        import redis
        class UserController(Controller):
            path = "/users"
            @get("/{uid:int}")
            async def get_user(self, uid: int) -> str:
                r = redis.Redis()
                return r.get(uid)
        """, (7, 13), REDIS, "get_user() (Litestar route '/{uid:int}')", "r"),
    entry("litestar", "registration", "provide", """\
        from litestar import Litestar, get
        from litestar.di import Provide
        import redis
        def get_cache() -> redis.Redis:
            return redis.Redis()
        @get("/users/{uid:int}")
        async def get_user(uid: int, cache: redis.Redis) -> str:
            return cache.get(uid)
        app = Litestar([get_user], dependencies={"cache": Provide(get_cache)})
        """, (5, 12), REDIS, "get_cache() (Litestar dependency)", "r"),
    entry("litestar", "base", "middleware", """\
        from litestar.middleware import AbstractMiddleware
        import redis
        class CountMiddleware(AbstractMiddleware):
            async def __call__(self, scope, receive, send):
                r = redis.Redis()
                r.incr(scope["path"])
                await self.app(scope, receive, send)
        """, (5, 13), REDIS, "CountMiddleware.__call__() (Litestar middleware)", "r"),
    # -- Django REST framework ------------------------------------------------
    entry("drf", "decorator", "api_view", """\
        from rest_framework.decorators import api_view
        from rest_framework.response import Response
        from sqlalchemy import create_engine
        @api_view(["GET"])
        def get_user(request, uid):
            engine = create_engine("postgresql://db/app")
            return Response({"url": str(engine.url)})
        """, (6, 14), ENGINE, "get_user() (DRF view)", "engine"),
    entry("drf", "decorator", "viewset-action", """\
        from rest_framework import viewsets
        from rest_framework.decorators import action
        from rest_framework.response import Response
        import redis
        class UserViewSet(viewsets.ViewSet):
            @action(detail=True, methods=["post"])
            def set_password(self, request, pk=None):
                r = redis.Redis()
                r.delete(pk)
                return Response({})
        """, (8, 13), REDIS, "set_password() (DRF viewset action)", "r"),
    entry("drf", "base", "apiview", """\
        from rest_framework.views import APIView
        from rest_framework.response import Response
        import redis
        class UserView(APIView):
            def get(self, request, uid):
                r = redis.Redis()
                return Response({"name": r.get(uid)})
        """, (6, 13), REDIS, "UserView.get() (DRF view)", "r"),
    entry("drf", "base", "viewset-list", """\
        from rest_framework import viewsets
        from rest_framework.response import Response
        from sqlalchemy import create_engine
        class UserViewSet(viewsets.ViewSet):
            def list(self, request):
                engine = create_engine("postgresql://db/app")
                return Response([str(engine.url)])
        """, (6, 18), ENGINE, "UserViewSet.list() (DRF view)", "engine"),
    entry("drf", "base", "modelviewset-mixin-get_queryset", """\
        from rest_framework import mixins, viewsets
        import redis
        class UserViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
            def get_queryset(self):
                r = redis.Redis()
                return r.keys()
        """, (5, 13), REDIS, "UserViewSet.get_queryset() (DRF view)", "r"),
    entry("drf", "base", "generic-perform_create", """\
        from rest_framework import generics
        import redis
        class UserList(generics.ListCreateAPIView):
            def perform_create(self, serializer):
                r = redis.Redis()
                serializer.save(name=r.get("default-name"))
        """, (5, 13), REDIS, "UserList.perform_create() (DRF view)", "r"),
    entry("drf", "base", "permission", """\
        from rest_framework.permissions import BasePermission
        import redis
        class NotBlocked(BasePermission):
            def has_permission(self, request, view):
                r = redis.Redis()
                return not r.sismember("blocked", request.user.pk)
        """, (5, 13), REDIS, "NotBlocked.has_permission() (DRF permission)", "r"),
    # -- Dramatiq -------------------------------------------------------------
    entry("dramatiq", "decorator", "actor", """\
        import dramatiq
        import redis
        @dramatiq.actor
        def count_words(url):
            r = redis.Redis()
            r.incr(url)
        """, (5, 9), REDIS, "count_words() (Dramatiq actor)", "r", unit="message"),
    entry("dramatiq", "decorator", "actor-with-options", """\
        from dramatiq import actor
        from sqlalchemy import create_engine
        @actor(max_retries=3)
        def count_words(url):
            engine = create_engine("postgresql://db/app")
            return str(engine.url)
        """, (5, 14), ENGINE, "count_words() (Dramatiq actor)", "engine", unit="message"),
    entry("dramatiq", "base", "generic-actor", """\
        import dramatiq
        import redis
        class CountWords(dramatiq.GenericActor):
            class Meta:
                max_retries = 3
            def perform(self, url):
                r = redis.Redis()
                r.incr(url)
        """, (7, 13), REDIS, "CountWords.perform() (Dramatiq actor)", "r", unit="message"),
    entry("dramatiq", "base", "middleware-before_process_message", """\
        from dramatiq.middleware import Middleware
        import redis
        class Count(Middleware):
            def before_process_message(self, broker, message):
                r = redis.Redis()
                r.incr(message.actor_name)
        """, (5, 13), REDIS, "Count.before_process_message() (Dramatiq middleware)", "r", unit="message"),
    # -- RQ -------------------------------------------------------------------
    entry("rq", "decorator", "job", """\
        from redis import Redis
        from rq.decorators import job
        from sqlalchemy import create_engine
        redis_conn = Redis()
        @job("default", connection=redis_conn)
        def count_words(url):
            engine = create_engine("postgresql://db/app")
            return str(engine.url)
        """, (7, 14), ENGINE, "count_words() (RQ job)", "engine", unit="task"),
    entry("rq", "registration", "enqueue", """\
        from redis import Redis
        from rq import Queue
        from sqlalchemy import create_engine
        def count_words(url):
            engine = create_engine("postgresql://db/app")
            return str(engine.url)
        q = Queue(connection=Redis())
        def submit(url):
            return q.enqueue(count_words, url)
        """, (5, 14), ENGINE, "count_words() (RQ job)", "engine", unit="task"),
    entry("rq", "registration", "enqueue_call", """\
        from redis import Redis
        from rq import Queue
        import pymongo
        def archive(doc_id):
            client = pymongo.MongoClient("mongodb://db")
            return client.app.docs.find_one({"_id": doc_id})
        q = Queue("low", connection=Redis())
        q.enqueue_call(func=archive, args=("42",))
        """, (5, 14), MONGO, "archive() (RQ job)", "client", unit="task"),
    entry("rq", "registration", "enqueue_in", """\
        from datetime import timedelta
        from redis import Redis
        from rq import Queue
        from sqlalchemy import create_engine
        def count_words(url):
            engine = create_engine("postgresql://db/app")
            return str(engine.url)
        q = Queue(connection=Redis())
        q.enqueue_in(timedelta(minutes=5), count_words, "http://example.com")
        """, (6, 14), ENGINE, "count_words() (RQ job)", "engine", unit="task"),
    entry("rq", "registration", "enqueue_at-untyped-queue", """\
        from datetime import datetime
        from rq import Queue
        import redis
        def remind(user_id):
            r = redis.Redis()
            r.publish("reminders", user_id)
        def schedule(queue, user_id):
            queue.enqueue_at(datetime(2030, 1, 1), remind, user_id)
        """, (5, 9), REDIS, "remind() (RQ job)", "r", unit="task"),
    # -- gRPC -----------------------------------------------------------------
    entry("grpc", "base", "servicer-method", """\
        import grpc
        import helloworld_pb2
        import helloworld_pb2_grpc
        from sqlalchemy import create_engine
        class Greeter(helloworld_pb2_grpc.GreeterServicer):
            def SayHello(self, request, context):
                engine = create_engine("postgresql://db/app")
                return helloworld_pb2.HelloReply(message=str(engine.url))
        """, (7, 18), ENGINE, "Greeter.SayHello() (gRPC method)", "engine"),
    entry("grpc", "base", "aio-servicer-from-package", """\
        from protos.helloworld_pb2_grpc import GreeterServicer
        import redis
        class Greeter(GreeterServicer):
            async def SayHello(self, request, context):
                r = redis.Redis()
                return r.get(request.name)
        """, (5, 13), REDIS, "Greeter.SayHello() (gRPC method)", "r"),
    # -- Flask-AppBuilder -----------------------------------------------------
    entry("flask_appbuilder", "decorator", "api-expose", """\
        from flask_appbuilder.api import BaseApi, expose
        from sqlalchemy import create_engine
        class ReportApi(BaseApi):
            @expose("/validate", methods=("POST",))
            def validate(self):
                engine = create_engine("postgresql://db/reports")
                return self.response(200, url=str(engine.url))
        """, (6, 18), ENGINE, "validate() (Flask-AppBuilder view '/validate')", "engine"),
    entry("flask_appbuilder", "decorator", "view-expose", """\
        from flask_appbuilder import BaseView, expose
        import redis
        class CountView(BaseView):
            @expose("/count")
            def count(self):
                r = redis.Redis()
                return str(r.incr("views"))
        """, (6, 13), REDIS, "count() (Flask-AppBuilder view '/count')", "r"),
    # -- AWS Lambda -----------------------------------------------------------
    entry("aws_lambda", "function", "lambda_handler", """\
        import json
        from sqlalchemy import create_engine
        def lambda_handler(event, context):
            engine = create_engine("postgresql://db/app")
            return {"statusCode": 200, "body": json.dumps(str(engine.url))}
        """, (4, 14), ENGINE, "lambda_handler() (AWS Lambda handler)", "engine", unit="invocation"),
    entry("aws_lambda", "function", "handler", """\
        import pymongo
        def handler(event, context):
            client = pymongo.MongoClient("mongodb://db")
            return client.app.users.find_one({"_id": event["id"]})
        """, (3, 14), MONGO, "handler() (AWS Lambda handler)", "client", unit="invocation"),
    entry("aws_lambda", "decorator", "powertools-inject_lambda_context", """\
        from aws_lambda_powertools import Logger
        import redis
        logger = Logger()
        @logger.inject_lambda_context(log_event=True)
        def process(event, context):
            r = redis.Redis()
            return r.get(event["id"])
        """, (6, 9), REDIS, "process() (AWS Lambda handler)", "r", unit="invocation"),
    entry("aws_lambda", "decorator", "powertools-route", """\
        from aws_lambda_powertools import Tracer
        from aws_lambda_powertools.event_handler import APIGatewayRestResolver
        import redis
        tracer = Tracer()
        app = APIGatewayRestResolver()
        @app.get("/todos/<todo_id>")
        @tracer.capture_method
        def get_todo(todo_id: str):
            r = redis.Redis()
            return {"todo": r.get(todo_id)}
        @tracer.capture_lambda_handler
        def process(event, context):
            return app.resolve(event, context)
        """, (9, 9), REDIS, "get_todo() (Powertools route '/todos/<todo_id>')", "r", unit="invocation"),
    entry("aws_lambda", "decorator", "powertools-middleware-factory", """\
        from aws_lambda_powertools.middleware_factory import lambda_handler_decorator
        import redis
        @lambda_handler_decorator
        def count_invocations(handler, event, context):
            r = redis.Redis()
            r.incr(context.function_name)
            return handler(event, context)
        """, (5, 9), REDIS, "count_invocations() (AWS Lambda middleware)", "r", unit="invocation"),
    entry("aws_lambda", "registration", "powertools-batch-record_handler", """\
        from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
        import redis
        processor = BatchProcessor(event_type=EventType.SQS)
        def record_handler(record):
            r = redis.Redis()
            r.incr(record.body)
        def handler(event, context):
            return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
        """, (5, 9), REDIS, "record_handler() (Powertools batch record handler)", "r", unit="invocation"),
]


# ---------------------------------------------------------------------------
# One-time places and the patterns frameworks.md lists as right: no finding.
# ---------------------------------------------------------------------------

CLEAN = [
    # -- Flask-AppBuilder -----------------------------------------------------
    clean("flask_appbuilder", "view-built-once-at-registration", """\
        from flask_appbuilder import BaseView, expose
        from sqlalchemy import create_engine
        class ReportView(BaseView):
            def __init__(self):
                super().__init__()
                self.engine = create_engine("postgresql://db/reports", pool_size=5, max_overflow=0)
            @expose("/reports")
            def reports(self):
                with self.engine.connect() as conn:
                    return str(conn.exec_driver_sql("select 1").scalar())
        """),
    # -- Flask ----------------------------------------------------------------
    clean("flask", "create_app-stores-on-config", """\
        from flask import Flask
        from sqlalchemy import create_engine
        def create_app():
            app = Flask(__name__)
            app.config["ENGINE"] = create_engine("postgresql://db/app", pool_size=5, max_overflow=10)
            return app
        """),
    clean("flask", "flask-sqlalchemy-init_app", """\
        from flask import Flask
        from flask_sqlalchemy import SQLAlchemy
        db = SQLAlchemy()
        class User(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            name = db.Column(db.String(80))
        def create_app():
            app = Flask(__name__)
            app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql://db/app"
            db.init_app(app)
            return app
        app = create_app()
        @app.route("/users/<int:uid>")
        def get_user(uid):
            user = db.session.get(User, uid)
            user.name = user.name.strip()
            db.session.commit()
            return user.name
        """),
    clean("flask", "scoped_session-teardown_appcontext-remove", """\
        from flask import Flask
        from sqlalchemy import create_engine, text
        from sqlalchemy.orm import scoped_session, sessionmaker
        engine = create_engine("postgresql://db/app", pool_size=5, max_overflow=10)
        db_session = scoped_session(sessionmaker(autocommit=False, autoflush=False, bind=engine))
        app = Flask(__name__)
        @app.teardown_appcontext
        def shutdown_session(exception=None):
            db_session.remove()
        @app.route("/users/<int:uid>")
        def get_user(uid):
            return str(db_session.execute(text("select name from users where id = :id"), {"id": uid}).scalar())
        """),
    clean("flask", "tutorial-get_db-on-g-closed-in-teardown", """\
        import sqlite3
        from flask import Flask, current_app, g
        def get_db():
            if "db" not in g:
                g.db = sqlite3.connect(current_app.config["DATABASE"], detect_types=sqlite3.PARSE_DECLTYPES)
                g.db.row_factory = sqlite3.Row
            return g.db
        def close_db(e=None):
            db = g.pop("db", None)
            if db is not None:
                db.close()
        def init_app(app):
            app.teardown_appcontext(close_db)
        app = Flask(__name__)
        init_app(app)
        @app.route("/posts")
        def index():
            db = get_db()
            posts = db.execute("SELECT id, title FROM post").fetchall()
            return str(posts)
        """),
    clean("flask", "patterns-get_db-on-g-teardown-decorator", """\
        import sqlite3
        from flask import Flask, g
        app = Flask(__name__)
        def get_db():
            db = getattr(g, "_database", None)
            if db is None:
                db = g._database = sqlite3.connect("app.db")
            return db
        @app.teardown_appcontext
        def close_connection(exception):
            db = getattr(g, "_database", None)
            if db is not None:
                db.close()
        @app.route("/")
        def index():
            cur = get_db().execute("select 1")
            return str(cur.fetchall())
        """),
    # -- FastAPI --------------------------------------------------------------
    clean("fastapi", "lifespan-app-state", """\
        import contextlib
        import asyncpg
        from fastapi import FastAPI, Request
        @contextlib.asynccontextmanager
        async def lifespan(app: FastAPI):
            app.state.pool = await asyncpg.create_pool("postgresql://db/app", max_size=10)
            yield
            await app.state.pool.close()
        app = FastAPI(lifespan=lifespan)
        @app.get("/")
        async def index(request: Request):
            async with request.app.state.pool.acquire() as conn:
                return await conn.fetchval("select 1")
        """),
    clean("fastapi", "lifespan-state-dict", """\
        import contextlib
        import httpx
        from fastapi import FastAPI, Request
        @contextlib.asynccontextmanager
        async def lifespan(app: FastAPI):
            async with httpx.AsyncClient() as client:
                yield {"client": client}
        app = FastAPI(lifespan=lifespan)
        @app.get("/")
        async def index(request: Request):
            return (await request.state.client.get("http://example.com")).text
        """),
    clean("fastapi", "get_db-generator-try-finally", """\
        from fastapi import Depends, FastAPI
        from sqlalchemy import create_engine
        from sqlalchemy.orm import Session, sessionmaker
        engine = create_engine("postgresql://db/app", pool_size=5, max_overflow=10)
        SessionLocal = sessionmaker(autocommit=False, autoflush=False, bind=engine)
        app = FastAPI()
        def get_db():
            db = SessionLocal()
            try:
                yield db
            finally:
                db.close()
        @app.get("/users/{uid}")
        def read_user(uid: int, db: Session = Depends(get_db)):
            return db.get(dict, uid)
        """),
    clean("fastapi", "get_session-with-Session-engine", """\
        from typing import Annotated
        from fastapi import Depends, FastAPI
        from sqlalchemy import create_engine
        from sqlalchemy.orm import Session
        engine = create_engine("postgresql://db/app", pool_size=5, max_overflow=10)
        app = FastAPI()
        def get_session():
            with Session(engine) as session:
                yield session
        SessionDep = Annotated[Session, Depends(get_session)]
        @app.get("/users/{uid}")
        def read_user(uid: int, session: SessionDep):
            return session.get(dict, uid)
        """),
    clean("fastapi", "on_event-startup", """\
        import asyncpg
        from fastapi import FastAPI
        app = FastAPI()
        @app.on_event("startup")
        async def startup():
            app.state.pool = await asyncpg.create_pool("postgresql://db/app", max_size=10)
        @app.on_event("shutdown")
        async def shutdown():
            await app.state.pool.close()
        """),
    # -- Starlette ------------------------------------------------------------
    clean("starlette", "lifespan", """\
        import contextlib
        import asyncpg
        from starlette.applications import Starlette
        from starlette.responses import PlainTextResponse
        from starlette.routing import Route
        @contextlib.asynccontextmanager
        async def lifespan(app):
            async with asyncpg.create_pool("postgresql://db/app", max_size=10) as pool:
                yield {"pool": pool}
        async def homepage(request):
            async with request.state.pool.acquire() as conn:
                return PlainTextResponse(str(await conn.fetchval("select 1")))
        app = Starlette(routes=[Route("/", homepage)], lifespan=lifespan)
        """),
    # -- Django ---------------------------------------------------------------
    clean("django", "appconfig-ready", """\
        from django.apps import AppConfig
        import redis
        class UsersConfig(AppConfig):
            name = "users"
            def ready(self):
                self.cache = redis.Redis(max_connections=10)
        """),
    clean("django", "orm-connection-connections", """\
        from django.db import connection, connections
        from django.http import JsonResponse
        from .models import User
        def user_detail(request, uid):
            user = User.objects.get(pk=uid)
            with connection.cursor() as cursor:
                cursor.execute("select count(*) from orders where user_id = %s", [uid])
                orders = cursor.fetchone()[0]
            with connections["replica"].cursor() as cursor:
                cursor.execute("select count(*) from visits where user_id = %s", [uid])
                visits = cursor.fetchone()[0]
            return JsonResponse({"name": user.name, "orders": orders, "visits": visits})
        """, path="users/views.py"),
    clean("django", "middleware-init-once", """\
        from django.utils.deprecation import MiddlewareMixin
        import redis
        cache = redis.Redis(max_connections=10)
        class CountMiddleware(MiddlewareMixin):
            def process_request(self, request):
                cache.incr(request.path)
        """),
    clean("django", "new-style-middleware-init-once", """\
        import redis
        class CountMiddleware:
            def __init__(self, get_response):
                self.get_response = get_response
                self.cache = redis.Redis(max_connections=10)
            def __call__(self, request):
                self.cache.incr(request.path)
                return self.get_response(request)
        """),
    clean("django", "middleware-factory-body-once", """\
        from sqlalchemy import create_engine
        def audit_middleware(get_response):
            engine = create_engine("postgresql://db/audit", pool_size=5, max_overflow=10)
            def middleware(request):
                with engine.begin() as conn:
                    return get_response(request)
            return middleware
        """),
    clean("django", "get_response-parameter-is-not-middleware", """\
        import redis
        class Renderer:
            def __init__(self, get_response, cache):
                self.get_response = get_response
                self.cache = cache
            def __call__(self, request):
                r = redis.Redis()
                try:
                    return r.get(request.path)
                finally:
                    r.close()
        def wrap(get_response):
            r = redis.Redis()
            try:
                return get_response(r.get("default"))
            finally:
                r.close()
        """),
    # -- Django request signals -----------------------------------------------
    clean("django_signals", "receiver-post_save-is-not-per-request", """\
        from django.db.models.signals import post_save
        from django.dispatch import receiver
        import redis
        @receiver(post_save, sender="users.User")
        def invalidate(sender, instance, **kwargs):
            r = redis.Redis()
            try:
                r.delete(f"user:{instance.pk}")
            finally:
                r.close()
        """),
    clean("django_signals", "receiver-shares-module-client", """\
        from django.core.signals import request_finished
        import redis
        cache = redis.Redis(max_connections=10)
        def count_request(sender, **kwargs):
            cache.incr("requests")
        request_finished.connect(count_request)
        """),
    # -- Celery ---------------------------------------------------------------
    clean("celery", "worker_process_init", """\
        from celery import Celery
        from celery.signals import worker_process_init, worker_process_shutdown
        from sqlalchemy import create_engine
        app = Celery("tasks")
        engine = None
        @worker_process_init.connect
        def init_worker(**kwargs):
            global engine
            engine = create_engine("postgresql://db/app", pool_size=5, max_overflow=10)
        @worker_process_shutdown.connect
        def shutdown_worker(**kwargs):
            if engine is not None:
                engine.dispose()
        @app.task
        def count():
            with engine.connect() as conn:
                return 1
        """),
    clean("celery", "task-init-once-per-process", """\
        from celery import Task
        import redis
        class CachedTask(Task):
            def __init__(self):
                self.cache = redis.Redis(max_connections=10)
            def run(self, key):
                return self.cache.get(key)
        """),
    # -- Quart ----------------------------------------------------------------
    clean("quart", "before_serving", """\
        import asyncpg
        from quart import Quart
        app = Quart(__name__)
        @app.before_serving
        async def create_pool():
            app.config["POOL"] = await asyncpg.create_pool("postgresql://db/app", max_size=10)
        @app.after_serving
        async def close_pool():
            await app.config["POOL"].close()
        @app.route("/")
        async def index():
            async with app.config["POOL"].acquire() as conn:
                return str(await conn.fetchval("select 1"))
        """),
    clean("quart", "while_serving", """\
        import httpx
        from quart import Quart
        app = Quart(__name__)
        @app.while_serving
        async def http_client():
            app.client = httpx.AsyncClient()
            yield
            await app.client.aclose()
        """),
    # -- aiohttp --------------------------------------------------------------
    clean("aiohttp", "cleanup_ctx", """\
        import aiohttp
        import asyncpg
        from aiohttp import web
        async def pg_pool(app):
            app["pg"] = await asyncpg.create_pool("postgresql://db/app", max_size=10)
            yield
            await app["pg"].close()
        async def client_session(app):
            app["client"] = aiohttp.ClientSession()
            yield
            await app["client"].close()
        async def handle(request):
            async with request.app["pg"].acquire() as conn:
                return web.Response(text=str(await conn.fetchval("select 1")))
        def make_app():
            app = web.Application()
            app.cleanup_ctx.append(pg_pool)
            app.cleanup_ctx.append(client_session)
            app.router.add_get("/", handle)
            return app
        """),
    clean("aiohttp", "cleanup_ctx-appkey", """\
        import aiohttp
        from aiohttp import web
        client_key = web.AppKey("client", aiohttp.ClientSession)
        async def client_ctx(app: web.Application):
            session = aiohttp.ClientSession()
            app[client_key] = session
            yield
            await session.close()
        async def handle(request):
            async with request.app[client_key].get("http://upstream/") as resp:
                return web.Response(text=await resp.text())
        def init_app():
            app = web.Application()
            app.cleanup_ctx.append(client_ctx)
            app.add_routes([web.get("/", handle)])
            return app
        """),
    clean("aiohttp", "on_startup-on_cleanup", """\
        import asyncpg
        from aiohttp import web
        async def init_pg(app):
            app["pg"] = await asyncpg.create_pool("postgresql://db/app", max_size=10)
        async def close_pg(app):
            await app["pg"].close()
        async def handle(request):
            async with request.app["pg"].acquire() as conn:
                return web.Response(text=str(await conn.fetchval("select 1")))
        app = web.Application()
        app.on_startup.append(init_pg)
        app.on_cleanup.append(close_pg)
        app.router.add_get("/", handle)
        """),
    # -- Tornado --------------------------------------------------------------
    clean("tornado", "make_app-passes-engine-to-initialize", """\
        import tornado.web
        from sqlalchemy import create_engine
        class UserHandler(tornado.web.RequestHandler):
            def initialize(self, engine):
                self.engine = engine
            def get(self, uid):
                with self.engine.connect() as conn:
                    self.write(uid)
        def make_app():
            engine = create_engine("postgresql://db/app", pool_size=5, max_overflow=10)
            return tornado.web.Application([(r"/users/(\\d+)", UserHandler, dict(engine=engine))])
        """),
    clean("tornado", "application-subclass-init", """\
        import tornado.web
        import redis
        class App(tornado.web.Application):
            def __init__(self, handlers):
                super().__init__(handlers)
                self.cache = redis.Redis(max_connections=10)
        class CountHandler(tornado.web.RequestHandler):
            def get(self):
                self.application.cache.incr(self.request.path)
        """),
    # -- Sanic ----------------------------------------------------------------
    clean("sanic", "before_server_start-app-ctx", """\
        import asyncpg
        from sanic import Sanic
        from sanic.response import json
        app = Sanic("users")
        @app.before_server_start
        async def setup_db(app, loop):
            app.ctx.db = await asyncpg.create_pool("postgresql://db/app", max_size=10)
        @app.after_server_stop
        async def close_db(app, loop):
            await app.ctx.db.close()
        @app.get("/users/<uid:int>")
        async def get_user(request, uid):
            async with request.app.ctx.db.acquire() as conn:
                return json(dict(await conn.fetchrow("select * from users where id = $1", uid)))
        """),
    clean("sanic", "listener-and-main_process_start", """\
        import asyncpg
        from sanic import Sanic
        app = Sanic("users")
        @app.listener("before_server_start")
        async def setup_db(app, loop):
            app.ctx.db = await asyncpg.create_pool("postgresql://db/app", max_size=10)
        @app.main_process_start
        async def migrate(app):
            pool = await asyncpg.create_pool("postgresql://db/app", max_size=2)
            try:
                await pool.execute("select 1")
            finally:
                await pool.close()
        """),
    # -- Falcon ---------------------------------------------------------------
    clean("falcon", "resource-init-once", """\
        import falcon
        from sqlalchemy import create_engine
        class ThingsResource:
            def __init__(self):
                self.engine = create_engine("postgresql://db/app", pool_size=5, max_overflow=10)
            def on_get(self, req, resp):
                with self.engine.connect() as conn:
                    resp.media = []
        app = falcon.App()
        app.add_route("/things", ThingsResource())
        """),
    clean("falcon", "session-middleware", """\
        import falcon
        from sqlalchemy import create_engine
        from sqlalchemy.orm import sessionmaker
        engine = create_engine("postgresql://db/app", pool_size=5, max_overflow=10)
        Session = sessionmaker(bind=engine)
        class SQLAlchemySessionManager:
            def __init__(self, session_factory):
                self.session_factory = session_factory
            def process_request(self, req, resp):
                req.context.session = self.session_factory()
            def process_response(self, req, resp, resource, req_succeeded):
                session = req.context.get("session")
                if session is not None:
                    if not req_succeeded:
                        session.rollback()
                    session.close()
        app = falcon.App(middleware=[SQLAlchemySessionManager(Session)])
        """),
    clean("falcon", "session-middleware-add_middleware-process_startup", """\
        import falcon.asgi
        from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
        class SessionManager:
            async def process_startup(self, scope, event):
                self.engine = create_async_engine("postgresql+asyncpg://db/app", pool_size=5, max_overflow=10)
                self.session_factory = async_sessionmaker(self.engine)
            async def process_shutdown(self, scope, event):
                await self.engine.dispose()
            async def process_request(self, req, resp):
                req.context.session = self.session_factory()
            async def process_response(self, req, resp, resource, req_succeeded):
                session = req.context.get("session")
                if session is not None:
                    await session.close()
        app = falcon.asgi.App()
        app.add_middleware(SessionManager())
        """),
    # -- Pyramid --------------------------------------------------------------
    clean("pyramid", "includeme-engine-once-reified-request-method", """\
        import zope.sqlalchemy
        from sqlalchemy import engine_from_config
        from sqlalchemy.orm import sessionmaker
        def get_tm_session(session_factory, transaction_manager, request=None):
            dbsession = session_factory(info={"request": request})
            zope.sqlalchemy.register(dbsession, transaction_manager=transaction_manager)
            return dbsession
        def includeme(config):
            settings = config.get_settings()
            settings["tm.manager_hook"] = "pyramid_tm.explicit_manager"
            config.include("pyramid_tm")
            dbengine = engine_from_config(settings, "sqlalchemy.")
            session_factory = sessionmaker(bind=dbengine)
            config.registry["dbsession_factory"] = session_factory
            def dbsession(request):
                dbsession = request.environ.get("app.dbsession")
                if dbsession is None:
                    dbsession = get_tm_session(session_factory, request.tm, request=request)
                return dbsession
            config.add_request_method(dbsession, reify=True)
        """),
    clean("pyramid", "includeme-cookiecutter-starter", """\
        import zope.sqlalchemy
        from sqlalchemy import engine_from_config
        from sqlalchemy.orm import sessionmaker
        def get_engine(settings, prefix="sqlalchemy."):
            return engine_from_config(settings, prefix)
        def get_session_factory(engine):
            factory = sessionmaker()
            factory.configure(bind=engine)
            return factory
        def get_tm_session(session_factory, transaction_manager, request=None):
            dbsession = session_factory(info={"request": request})
            zope.sqlalchemy.register(dbsession, transaction_manager=transaction_manager)
            return dbsession
        def includeme(config):
            settings = config.get_settings()
            settings["tm.manager_hook"] = "pyramid_tm.explicit_manager"
            config.include("pyramid_tm")
            config.include("pyramid_retry")
            dbengine = settings.get("dbengine")
            if not dbengine:
                dbengine = get_engine(settings)
            session_factory = get_session_factory(dbengine)
            config.registry["dbsession_factory"] = session_factory
            def dbsession(request):
                dbsession = request.environ.get("app.dbsession")
                if dbsession is None:
                    dbsession = get_tm_session(session_factory, request.tm, request=request)
                return dbsession
            config.add_request_method(dbsession, reify=True)
        """),
    clean("pyramid", "main-scoped_session-configure-bind", """\
        from pyramid.config import Configurator
        from sqlalchemy import engine_from_config
        from sqlalchemy.orm import scoped_session, sessionmaker
        from zope.sqlalchemy import register
        DBSession = scoped_session(sessionmaker())
        register(DBSession)
        def main(global_config, **settings):
            engine = engine_from_config(settings, "sqlalchemy.")
            DBSession.configure(bind=engine)
            config = Configurator(settings=settings)
            config.scan()
            return config.make_wsgi_app()
        """),
    clean("pyramid", "main-configurator", """\
        from pyramid.config import Configurator
        from sqlalchemy import create_engine
        from sqlalchemy.orm import sessionmaker
        def main(global_config, **settings):
            engine = create_engine(settings["sqlalchemy.url"], pool_size=5, max_overflow=10)
            with Configurator(settings=settings) as config:
                config.registry["dbsession_factory"] = sessionmaker(bind=engine)
                config.add_route("home", "/")
                config.scan()
                return config.make_wsgi_app()
        """),
    clean("pyramid", "applicationcreated-subscriber", """\
        from pyramid.events import ApplicationCreated, subscriber
        from sqlalchemy import create_engine
        @subscriber(ApplicationCreated)
        def on_created(event):
            registry = event.app.registry
            registry["engine"] = create_engine(registry.settings["sqlalchemy.url"], pool_size=5, max_overflow=10)
        """),
    clean("pyramid", "add_subscriber-applicationcreated", """\
        from pyramid.events import ApplicationCreated
        from sqlalchemy import create_engine
        def on_created(event):
            event.app.registry.engine = create_engine("postgresql://db/app", pool_size=5, max_overflow=10)
        def includeme(config):
            config.add_subscriber(on_created, ApplicationCreated)
        """),
    # -- Bottle ---------------------------------------------------------------
    clean("bottle", "hook-config-and-app_reset", """\
        import bottle
        from sqlalchemy import create_engine
        app = bottle.Bottle()
        @app.hook("config")
        def check_database(key, value):
            if key == "sqlalchemy.url":
                engine = create_engine(value)
                try:
                    with engine.connect():
                        pass
                finally:
                    engine.dispose()
        def warm_up():
            engine = create_engine(app.config["sqlalchemy.url"])
            try:
                with engine.connect():
                    pass
            finally:
                engine.dispose()
        app.add_hook("app_reset", warm_up)
        """),
    clean("bottle", "module-level-client", """\
        import bottle
        import redis
        app = bottle.Bottle()
        cache = redis.Redis(max_connections=10)
        @app.get("/users/<uid>")
        def get_user(uid):
            return cache.get(uid)
        """),
    # -- Litestar -------------------------------------------------------------
    clean("litestar", "sqlalchemy-plugin", """\
        from litestar import Litestar, get
        from litestar.plugins.sqlalchemy import SQLAlchemyAsyncConfig, SQLAlchemyPlugin
        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import AsyncSession
        config = SQLAlchemyAsyncConfig(connection_string="postgresql+asyncpg://db/app", create_all=False)
        @get("/users/{uid:int}")
        async def get_user(uid: int, db_session: AsyncSession) -> dict:
            result = await db_session.execute(text("select name from users where id = :id"), {"id": uid})
            return {"name": result.scalar_one()}
        app = Litestar([get_user], plugins=[SQLAlchemyPlugin(config=config)])
        """),
    clean("litestar", "on_startup-app-state", """\
        from litestar import Litestar
        from sqlalchemy.ext.asyncio import create_async_engine
        async def on_startup(app: Litestar) -> None:
            app.state.engine = create_async_engine("postgresql+asyncpg://db/app", pool_size=5, max_overflow=10)
        async def on_shutdown(app: Litestar) -> None:
            await app.state.engine.dispose()
        app = Litestar([], on_startup=[on_startup], on_shutdown=[on_shutdown])
        """),
    clean("litestar", "lifespan", """\
        from contextlib import asynccontextmanager
        from litestar import Litestar
        from sqlalchemy.ext.asyncio import create_async_engine
        @asynccontextmanager
        async def db_connection(app: Litestar):
            engine = getattr(app.state, "engine", None)
            if engine is None:
                engine = create_async_engine("postgresql+asyncpg://db/app", pool_size=5, max_overflow=10)
                app.state.engine = engine
            try:
                yield
            finally:
                await engine.dispose()
        app = Litestar(lifespan=[db_connection])
        """),
    # -- Django REST framework ------------------------------------------------
    clean("drf", "orm-generic-views", """\
        from django.db import connection, connections
        from rest_framework import generics, serializers
        from rest_framework.decorators import api_view
        from rest_framework.response import Response
        from .models import User
        class UserSerializer(serializers.ModelSerializer):
            class Meta:
                model = User
                fields = ["id", "name"]
        class UserList(generics.ListAPIView):
            queryset = User.objects.all()
            serializer_class = UserSerializer
        @api_view(["GET"])
        def stats(request):
            with connection.cursor() as cursor:
                cursor.execute("select count(*) from users")
                total = cursor.fetchone()[0]
            with connections["replica"].cursor() as cursor:
                cursor.execute("select count(*) from orders")
                orders = cursor.fetchone()[0]
            return Response({"users": total, "orders": orders})
        """),
    clean("drf", "module-level-client", """\
        import redis
        from rest_framework import viewsets
        from rest_framework.response import Response
        cache = redis.Redis(max_connections=10)
        class UserViewSet(viewsets.ViewSet):
            def retrieve(self, request, pk=None):
                return Response({"name": cache.get(pk)})
        """),
    # -- Dramatiq -------------------------------------------------------------
    clean("dramatiq", "after_process_boot", """\
        import dramatiq
        from dramatiq.middleware import Middleware
        from sqlalchemy import create_engine
        engine = None
        class DbMiddleware(Middleware):
            def after_process_boot(self, broker):
                global engine
                engine = create_engine("postgresql://db/app", pool_size=5, max_overflow=10)
            def before_worker_shutdown(self, broker, worker):
                engine.dispose()
        @dramatiq.actor
        def count():
            with engine.connect() as conn:
                return 1
        """),
    # -- RQ -------------------------------------------------------------------
    clean("rq", "module-level-engine", """\
        from redis import Redis
        from rq import Queue
        from sqlalchemy import create_engine
        engine = create_engine("postgresql://db/app", pool_size=5, max_overflow=10)
        def count_words(url):
            with engine.connect() as conn:
                return 1
        q = Queue(connection=Redis(max_connections=10))
        q.enqueue(count_words, "http://example.com")
        """),
    # -- gRPC -----------------------------------------------------------------
    clean("grpc", "servicer-init-and-serve", """\
        from concurrent import futures
        import grpc
        import helloworld_pb2_grpc
        from sqlalchemy import create_engine
        class Greeter(helloworld_pb2_grpc.GreeterServicer):
            def __init__(self, engine):
                self.engine = engine
            def SayHello(self, request, context):
                with self.engine.connect() as conn:
                    return None
        def serve():
            engine = create_engine("postgresql://db/app", pool_size=5, max_overflow=10)
            server = grpc.server(futures.ThreadPoolExecutor(max_workers=10))
            helloworld_pb2_grpc.add_GreeterServicer_to_server(Greeter(engine), server)
            server.add_insecure_port("[::]:50051")
            server.start()
            server.wait_for_termination()
            engine.dispose()
        """),
    clean("grpc", "servicer-init-builds-engine-once", """\
        import helloworld_pb2
        import helloworld_pb2_grpc
        from sqlalchemy import create_engine
        class Greeter(helloworld_pb2_grpc.GreeterServicer):
            def __init__(self, url):
                self.engine = create_engine(url, pool_size=5, max_overflow=10)
            def SayHello(self, request, context):
                with self.engine.connect() as conn:
                    return helloworld_pb2.HelloReply(message="hello")
        """),
    # -- AWS Lambda -----------------------------------------------------------
    clean("aws_lambda", "module-level-client", """\
        import os
        import pymongo
        client = pymongo.MongoClient(os.environ["MONGO_URL"], maxPoolSize=1)
        def handler(event, context):
            return client.app.users.find_one({"_id": event["id"]})
        """),
    clean("aws_lambda", "mangum-asgi", """\
        from fastapi import FastAPI
        from mangum import Mangum
        from sqlalchemy import create_engine
        engine = create_engine("postgresql://db/app", pool_size=1, max_overflow=0)
        app = FastAPI()
        @app.get("/")
        def index():
            with engine.connect() as conn:
                return {"ok": True}
        handler = Mangum(app)
        """),
    # -- common (one-time decorators and guards) ------------------------------
    clean("common", "lru_cache-getter", """\
        import functools
        from flask import Flask
        from sqlalchemy import create_engine
        app = Flask(__name__)
        @functools.lru_cache(maxsize=None)
        def get_engine():
            return create_engine("postgresql://db/app", pool_size=5, max_overflow=10)
        @app.route("/")
        def index():
            with get_engine().connect() as conn:
                return "ok"
        """),
    clean("common", "functools-cache-getter-lambda", """\
        from functools import cache
        from sqlalchemy import create_engine
        @cache
        def get_engine():
            return create_engine("postgresql://db/app", pool_size=1, max_overflow=0)
        def handler(event, context):
            with get_engine().connect() as conn:
                return {"ok": True}
        """),
    clean("common", "guarded-global", """\
        from fastapi import FastAPI
        from sqlalchemy import create_engine
        app = FastAPI()
        _engine = None
        def get_engine():
            global _engine
            if _engine is None:
                _engine = create_engine("postgresql://db/app", pool_size=5, max_overflow=10)
            return _engine
        @app.get("/")
        def index():
            with get_engine().connect() as conn:
                return {"ok": True}
        """),
]


# ---------------------------------------------------------------------------
# Reach: what a handler calls in its module.
# ---------------------------------------------------------------------------

REACH = [
    entry("flask", "decorator", "reach-helper", """\
        from flask import Flask
        from sqlalchemy import create_engine
        app = Flask(__name__)
        def make_engine():
            return create_engine("postgresql://db/app")
        @app.route("/")
        def index():
            with make_engine().connect() as conn:
                return "ok"
        """, (5, 12), ENGINE, "index() (Flask route '/') -> make_engine()", "engine"),
    entry("flask", "decorator", "reach-class-init", """\
        from flask import Flask
        from sqlalchemy import create_engine
        app = Flask(__name__)
        class Repository:
            def __init__(self):
                self.engine = create_engine("postgresql://db/app")
        @app.get("/users")
        def users():
            return str(Repository().engine.url)
        """, (6, 23), ENGINE, "users() (Flask route '/users') -> Repository()", "engine"),
    entry("tornado", "base", "reach-self-method", """\
        import tornado.web
        import redis
        class UserHandler(tornado.web.RequestHandler):
            def cache(self):
                return redis.Redis()
            def get(self, uid):
                self.write(str(self.cache().get(uid)))
        """, (5, 16), REDIS, "UserHandler.get() (Tornado handler) -> self.cache()", "r"),
    entry("celery", "decorator", "reach-helper-chain", """\
        import redis
        from celery import shared_task
        def client():
            return redis.Redis(host="cache")
        def invalidate(key):
            client().delete(key)
        @shared_task
        def refresh(key):
            invalidate(key)
        """, (4, 12), REDIS, "refresh() (Celery task) -> invalidate() -> client()", "r", unit="task"),
    entry("sanic", "decorator", "reach-class-init", """\
        from sanic import Sanic
        from sanic.response import text
        from sqlalchemy import create_engine
        app = Sanic("users")
        class Repository:
            def __init__(self):
                self.engine = create_engine("postgresql://db/app")
        @app.get("/users")
        async def users(request):
            return text(str(Repository().engine.url))
        """, (7, 23), ENGINE, "users() (Sanic route '/users') -> Repository()", "engine"),
    entry("tornado", "base", "reach-guarded-attribute-of-per-request-instance", """\
        import tornado.web
        from sqlalchemy import create_engine
        class UserHandler(tornado.web.RequestHandler):
            engine = None
            def get(self, uid):
                if self.engine is None:
                    self.engine = create_engine("postgresql://db/app")
                self.write(uid)
        """, (7, 27), ENGINE, "UserHandler.get() (Tornado handler)", "engine",
    ),
    entry("flask", "decorator", "reach-guarded-on-g", """\
        from flask import Flask, g
        from sqlalchemy import create_engine
        app = Flask(__name__)
        @app.route("/")
        def index():
            if not hasattr(g, "engine") or g.engine is None:
                g.engine = create_engine("postgresql://db/app")
            return str(g.engine.url)
        """, (7, 20), ENGINE, "index() (Flask route '/')", "engine",
    ),
    entry("flask", "decorator", "reach-stored-on-app-per-request", """\
        from flask import Flask, current_app
        from sqlalchemy import create_engine
        app = Flask(__name__)
        @app.route("/")
        def index():
            current_app.config["ENGINE"] = create_engine("postgresql://db/app")
            return "ok"
        """, (6, 36), ENGINE, "index() (Flask route '/')", "engine",
    ),
]

REACH_CLEAN = [
    clean("flask", "reach-lru_cache-helper", """\
        from functools import lru_cache
        from flask import Flask
        from sqlalchemy import create_engine
        app = Flask(__name__)
        @lru_cache
        def make_engine():
            return create_engine("postgresql://db/app", pool_size=5, max_overflow=10)
        def repository():
            return make_engine()
        @app.route("/")
        def index():
            with repository().connect() as conn:
                return "ok"
        """),
    clean("flask", "reach-guarded-global", """\
        from flask import Flask
        from sqlalchemy import create_engine
        app = Flask(__name__)
        _engine = None
        def get_engine():
            global _engine
            if _engine is None:
                _engine = create_engine("postgresql://db/app", pool_size=5, max_overflow=10)
            return _engine
        @app.route("/")
        def index():
            with get_engine().connect() as conn:
                return "ok"
        """),
    clean("flask", "reach-helper-not-called-by-a-handler", """\
        from flask import Flask
        from sqlalchemy import create_engine
        app = Flask(__name__)
        def migrate(url):
            engine = create_engine(url)
            try:
                with engine.begin() as conn:
                    return None
            finally:
                engine.dispose()
        @app.route("/")
        def index():
            return "ok"
        """),
]


def _chain_source(creator: int, helpers: int = 7) -> str:
    """A route calling h1() -> h2() -> ... -> h7(); h<creator> builds (and disposes) an engine."""
    lines = ["from flask import Flask", "from sqlalchemy import create_engine", "app = Flask(__name__)"]
    for index in range(1, helpers + 1):
        lines.append(f"def h{index}():")
        if index == creator:
            lines += [
                '    engine = create_engine("postgresql://db/app")',
                "    try:",
                "        return str(engine.url)",
                "    finally:",
                "        engine.dispose()",
            ]
        else:
            lines.append(f"    return h{index + 1}()" if index < helpers else "    return None")
    lines += ['@app.route("/")', "def index():", "    return h1()"]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------


def _call_text(subject: str) -> str:
    """``SQLAlchemy engine from create_engine()`` -> ``create_engine(``."""
    return subject.rsplit(" from ", 1)[1][:-1]


def _check_entry(case: Entry):
    source = textwrap.dedent(case.source)
    line, column = case.at
    # the expected position is the creating call itself (guards the test data)
    assert source.splitlines()[line - 1][column - 1:].startswith(_call_text(case.subject))
    found = findings_for(source, case.path)
    assert [(f.line, f.column, f.code) for f in found] == [(line, column, "CNL201")], [
        (f.line, f.column, f.code, f.message) for f in found
    ]
    assert found[0].message == case.message


@pytest.mark.parametrize("case", PER_REQUEST)
def test_per_request_entry_reports_exactly(case):
    _check_entry(case)


@pytest.mark.parametrize("case", CLEAN)
def test_one_time_place_or_right_pattern_is_clean(case):
    found = findings_for(case.source, case.path)
    assert [(f.line, f.column, f.code, f.message) for f in found] == []


@pytest.mark.parametrize("case", REACH)
def test_reach_from_handler_reports_exactly(case):
    _check_entry(case)


@pytest.mark.parametrize("case", REACH_CLEAN)
def test_reach_stops_at_one_time_code(case):
    found = findings_for(case.source, case.path)
    assert [(f.line, f.column, f.code, f.message) for f in found] == []


@pytest.mark.parametrize("creator", range(1, 8))
def test_reach_depth_limit(creator):
    # handlers.MAX_DEPTH: a function MAX_DEPTH calls away from the entry is still
    # reached; one more call away is not (it is only CNL201's business, and the
    # engine there is disposed, so nothing is reported at all).
    assert MAX_DEPTH == 5
    source = _chain_source(creator)
    line = 5 + 2 * (creator - 1)  # def h1 is line 4; every helper before the creator has 2 lines
    if creator <= MAX_DEPTH:
        found = findings_for(source)
        assert [(f.line, f.column, f.code) for f in found] == [(line, 14, "CNL201")]
        chain = " -> ".join(f"h{i}()" for i in range(1, creator + 1))
        assert found[0].message == (
            f"{ENGINE} is created on every request via index() (Flask route '/') -> {chain}; "
            "create it once at module level (or in the app factory / lifespan) and share 'engine'"
        )
    else:
        assert positions(source) == []


@pytest.mark.parametrize("entry, error", [
    ({"decorator": [{"what": "R", "names": ["r"], "returned": True}]},
     "decorator[0]: key 'returned' only applies to [[function]]"),
    ({"registration": [{"what": "R", "names": ["r"], "class_init": True}]},
     "registration[0]: key 'class_init' only applies to [[decorator]]"),
    ({"class": [{"what": "R", "handler_methods": ["__call__"], "arguments": ["a"]}]},
     "class[0]: key 'arguments' only applies to [[decorator]] and [[registration]]"),
    ({"decorator": [{"what": "R", "names": ["r"], "class_init": "yes"}]}, "decorator[0].class_init: expected true or false"),
    ({"function": [{"what": "R", "parameters": ["g"], "returned": 1}]}, "function[0].returned: expected true or false"),
    ({"decorator": [{"what": "R", "names": ["r"], "arguments": []}]},
     "decorator[0].arguments: expected at least one qualified name or string"),
    ({"decorator": [{"what": "R", "names": ["r"], "arguments": [1]}]}, "decorator[0].arguments: expected a list of strings"),
    ({"registration": [{"what": "R", "names": ["r"], "argument_keyword": "name"}]},
     "registration[0].argument_keyword: names the keyword of 'arguments', which is missing"),
    ({"decorator": [{"what": "R", "names": ["r"], "arguments": ["a"], "argument_keyword": 0}]},
     "decorator[0].argument_keyword: expected a string"),
    ({"class": [{"what": "R", "init_parameters": ["get_response"]}]},
     "class[0]: a [[class]] entry needs init_parameters and handler_methods"),
    ({"class": [{"what": "R", "init_parameters": "get_response", "handler_methods": [1]}]},
     "class[0].handler_methods: expected a list of strings"),
    ({"class": {"what": "R"}}, "[[class]]: expected an array of tables"),
])
def test_bad_entry_field_names_file_and_key(entry, error):
    with pytest.raises(CatalogError) as raised:
        load_frameworks([entry], "pyproject.toml")
    assert str(raised.value) == f"pyproject.toml: [tool.connlint] frameworks[0]: {error}"


def test_new_entry_fields_load():
    frameworks = load_frameworks([{
        "framework": {"name": "Acme", "modules": ["acme"]},
        "decorator": [{"what": "Acme hook", "names": ["acme.hook"], "arguments": ["acme.REQUEST", "before"],
                       "argument_keyword": "event", "class_init": True}],
        "class": [{"what": "Acme middleware", "init_parameters": ["app", "config"], "handler_methods": ["__call__"]}],
        "function": [{"what": "Acme middleware", "parameters": ["app"], "returned": True}],
    }])
    hook = next(spec for spec in frameworks.decorators if spec.framework == "Acme")
    assert (hook.arguments, hook.argument_keyword, hook.class_init) == (("acme.REQUEST", "before"), "event", True)
    middleware = next(spec for spec in frameworks.classes if spec.framework == "Acme")
    assert (middleware.init_parameters, middleware.handler_methods) == (("app", "config"), ("__call__",))
    assert next(spec for spec in frameworks.functions if spec.framework == "Acme").returned


def _framework_files():
    for path in sorted(frameworks_dir().glob("*.toml")):
        with open(path, "rb") as handle:
            yield path.stem, tomllib.load(handle)


def _cases(params):
    return [(p.values[0], bool(p.marks)) for p in params]


def test_every_framework_file_is_tested():
    """Each kind of entry a framework file declares has a passing per-request
    test, and each file has a passing clean (one-time / right pattern) test."""
    entries = {(case.framework, case.kind) for case, xfailed in _cases(PER_REQUEST + REACH) if not xfailed}
    cleans = {case.framework for case, xfailed in _cases(CLEAN + REACH_CLEAN) if not xfailed}
    stems = set()
    for stem, data in _framework_files():
        stems.add(stem)
        for kind in KINDS:
            if data.get(kind):
                assert (stem, kind) in entries, f"{stem}.toml: no per-request test of a [[{kind}]] entry"
        assert stem in cleans, f"{stem}.toml: no clean test"
    tested = {case.framework for case, _ in _cases(PER_REQUEST + CLEAN + REACH + REACH_CLEAN)}
    assert tested <= stems, f"tests name unknown framework files: {sorted(tested - stems)}"
