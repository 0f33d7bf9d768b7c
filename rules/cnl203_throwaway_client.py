"""CNL203 throwaway-client."""

from connlint.fixes.plan_lifecycle import plan_shared_client
from connlint.rule import Invalid, Rule


class ThrowawayClient(Rule):
    code = "CNL203"
    name = "throwaway-client"
    summary = "A one-shot helper that builds a whole client per call (requests.get, httpx.get, aiohttp.request) is called in a loop."
    what = """
Finds calls to one-shot helpers that build a client with its own connection
pool, make one request and throw the client away (`requests.get/post/...`,
`httpx.get/...`, `aiohttp.request`; the catalog's `[[one_shot]]` entries) in
the body of a loop or in a comprehension. Retry loops, which stop once the
call succeeds, are not reported.
"""
    why = """
Every call opens a new TCP connection (and TLS handshake) to a host the loop
talks to again a moment later; connection reuse, which a shared client gives
for free, is lost, and sockets pile up in TIME_WAIT.
"""
    example = """
```python
import requests

def fetch_all(urls):
    return [requests.get(url, timeout=10).json() for url in urls]
```
"""
    use_instead = """
```python
import requests

def fetch_all(urls):
    with requests.Session() as session:
        return [session.get(url, timeout=10).json() for url in urls]
```
"""
    fix_safety = """
The loop (or the statement holding the comprehension) goes inside
`with requests.Session() as session:` (`httpx.Client()`; `async with
aiohttp.ClientSession()` in a coroutine), and every one-shot helper of that
library in it is called on the shared client instead: `session.get(...)`.
The client is reached by the name the call used (`requests` imported in the
function or under `try` stays so); `import requests` is added, in the
package imports' group, only when the module imported just the helper at its
top level, and no fix is offered when it imports it lazily or under `try`. A helper
called from a lambda or nested function is left alone (it may run after the
`with` has closed the client). **Unsafe**: a shared client keeps state between
the requests (cookies, for requests), and its defaults can differ from the
helper's.
"""
    valid = (
        "import requests\ndef f(url):\n    return requests.get(url, timeout=5).json()\n",
        "import requests\ndef f(urls):\n    with requests.Session() as s:\n        return [s.get(u).json() for u in urls]\n",
        "import time, requests\ndef f(url):\n    for attempt in range(3):\n        try:\n            return requests.get(url, timeout=5)\n        except requests.ConnectionError:\n            time.sleep(2 ** attempt)\n",
        "import httpx\ndef f(url):\n    while True:\n        response = httpx.get(url)\n        if response.status_code == 200:\n            break\n",
        "import requests\ndef f(url, data):\n    sent, tries = False, 0\n    while not sent and tries < 3:\n        sent = requests.post(url, data=data, timeout=5).ok\n        tries += 1\n",
        "import requests\nVERSIONS = ['v3']\ndef f(base):\n    for version in VERSIONS:\n        requests.get(base + version, timeout=5).raise_for_status()\n    for version in ('v2',):\n        requests.get(base + version, timeout=5).raise_for_status()\n",
    )
    invalid = (
        Invalid(
            "import requests\ndef f(urls):\n    return [requests.get(u, timeout=5).json() for u in urls]\n",
            ((3, 13),),
            "requests.get() builds and discards a whole client on every iteration of the loop at line 3; use one shared 'requests.Session()' created before the loop",
            fixed="import requests\ndef f(urls):\n    with requests.Session() as session:\n        return [session.get(u, timeout=5).json() for u in urls]\n",
        ),
        Invalid(
            "import requests\ndef f(paths, url):\n    for path in paths:\n        sent = False\n        while not sent:\n            sent = requests.post(url, data=path, timeout=5).ok\n",
            ((6, 20),),
            "requests.post() builds and discards a whole client on every iteration of the loop at line 3",
            fixed="import requests\ndef f(paths, url):\n    with requests.Session() as session:\n        for path in paths:\n            sent = False\n            while not sent:\n                sent = session.post(url, data=path, timeout=5).ok\n",
        ),
        Invalid(
            "import requests\ndef f(files):\n    for name in files:\n        try:\n            requests.post('https://chat.example.com/files', data=name, timeout=5)\n        except requests.RequestException:\n            break\n",
            ((5, 13),),
            fixed="import requests\ndef f(files):\n    with requests.Session() as session:\n        for name in files:\n            try:\n                session.post('https://chat.example.com/files', data=name, timeout=5)\n            except requests.RequestException:\n                break\n",
        ),
        Invalid(
            "import httpx\ndef f(items):\n    for item in items:\n        httpx.post('https://api.example.com/items', json=item)\n",
            ((4, 9),),
            fixed="import httpx\ndef f(items):\n    with httpx.Client() as client:\n        for item in items:\n            client.post('https://api.example.com/items', json=item)\n",
        ),
        Invalid(
            "import aiohttp\nasync def f(urls):\n    for u in urls:\n        async with aiohttp.request('GET', u) as r:\n            await r.read()\n",
            ((4, 20),),
            fixed="import aiohttp\nasync def f(urls):\n    async with aiohttp.ClientSession() as session:\n        for u in urls:\n            async with session.request('GET', u) as r:\n                await r.read()\n",
        ),
    )

    def check(self, facts):
        for call in facts.one_shot_calls:
            if call.loop is None or call.loop.retry:
                continue
            message = (
                f"{call.callee}() builds and discards a whole client on every iteration of the loop at line "
                f"{call.loop.line}; use one shared '{call.instead.client}()' created before the loop"
            )
            yield self.finding(facts, call.call, message, call.statement, plan_shared_client(call, facts))
