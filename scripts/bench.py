"""Drives scripts/bench.sh: seeds, starts the server, runs wrk per scenario, reports.

Only the standard library: the load itself comes from wrk.
"""

import atexit
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

BINARY = "target/release/dermaga"
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
SELLERS = int(os.environ.get("BENCH_SELLERS", "10000"))
PRODUCTS = int(os.environ.get("BENCH_PRODUCTS", "200000"))
SMALL_PRODUCTS = int(os.environ.get("BENCH_SMALL_PRODUCTS", "20000"))
DURATION = os.environ.get("BENCH_DURATION", "10s")
OUT = os.environ.get(
    "BENCH_OUT", time.strftime("bench-results/bench-%Y%m%dT%H%M%S.json")
)
PORT = 18080
ADMIN_EMAIL = "bench-admin@dermaga.test"
PASSWORD = "bench-password-123"

CATALOGUE_PAGE = """{ products(first: 20) { edges { cursor node { id title
  seller { businessName city } category { name }
  priceRange { minVariantPrice { amount currency } maxVariantPrice { amount currency } } } }
  pageInfo { hasNextPage endCursor } } }"""

SEARCH = """query($category: ID!) { products(first: 20, sort: RELEVANCE,
  filter: { search: "keripik", categoryId: $category, minPrice: "10000", maxPrice: "60000" }) {
  edges { node { id title priceRange { minVariantPrice { amount currency } } } } } }"""

DETAIL = """query($id: ID!) { product(id: $id) { id title description halalCertified inStock
  seller { businessName city province } category { name }
  variants { sku name price { amount currency } stock }
  images { url } priceRange { minVariantPrice { amount } maxVariantPrice { amount } } } }"""

# Issue 13's hostile documents: each must be refused, by its limit's code, before it runs.
FRAGMENT_BOMB = " ".join(
    ["fragment G0 on Category { id }"]
    + [f"fragment G{i} on Category {{ ...G{i - 1} ...G{i - 1} }}" for i in range(1, 30)]
) + " { categories { ...G29 } }"
ALIASED_SEARCHES = "{ " + " ".join(
    f'a{i}: products(first: 1, filter: {{ search: "keripik" }}) {{ totalCount }}' for i in range(31)
) + " }"

SELLERS_PAGE = """{ sellers(first: 20) { totalCount edges { node { id businessName phone city
  sector status onboarding { stage } } } pageInfo { hasNextPage endCursor } } }"""


def run(*args, env=None, check=True):
    return subprocess.run(args, env=env, check=check, capture_output=True, text=True)


def psql(sql):
    run("psql", f"{PG}/postgres", "-qAtc", sql)


def recreate_database(name):
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{name}"')
    return f"{PG}/{name}"


def server_env(database_url, response_cache):
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_URL,
            "HOST": "127.0.0.1",
            "PORT": str(PORT),
            "RESPONSE_CACHE": "true" if response_cache else "false",
            "RATE_LIMIT_PER_MINUTE": "0",
            "BOOTSTRAP_ADMIN_EMAIL": ADMIN_EMAIL,
            "BOOTSTRAP_ADMIN_PASSWORD": PASSWORD,
            "RUST_LOG": "warn",
            "CACHE_KEY_PREFIX": f"bench:{time.time_ns()}:",
        }
    )
    env.setdefault("JWT_SECRET", "bench-secret-bench-secret-bench-secret-00")
    return env


def database_exists(name):
    return run("psql", f"{PG}/postgres", "-qAtc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'").stdout.strip() == "1"


def seeded_database(name, sellers, products):
    """A freshly seeded database, or with BENCH_REUSE=1 the one a previous run seeded."""
    if os.environ.get("BENCH_REUSE") == "1" and database_exists(name):
        print(f"bench: reusing the seeded database {name}")
        return f"{PG}/{name}", None
    url = recreate_database(name)
    return url, seed(url, sellers, products)


def seed(database_url, sellers, products):
    env = server_env(database_url, True)
    started = time.monotonic()
    result = run(BINARY, "seed", "--sellers", str(sellers), "--products", str(products), env=env)
    seconds = time.monotonic() - started
    print(f"bench: {result.stdout.strip()} (wall {seconds:.1f} s)")
    return seconds


class Server:
    def __init__(self, database_url, response_cache):
        # Another process on the port would answer in this server's place and be measured.
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", PORT)) == 0:
                raise SystemExit(f"bench: port {PORT} is taken by another process; stop it first")
        self.process = subprocess.Popen(
            [BINARY, "serve"], env=server_env(database_url, response_cache)
        )
        # A failed run must not leave a server behind.
        atexit.register(lambda: self.process.poll() is None and self.process.kill())
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"bench: the server exited at start (is port {PORT} taken?)")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)
                return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("bench: the server did not start")

    def peak_rss_mib(self):
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return None

    def stop(self):
        peak = self.peak_rss_mib()
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        return peak


def graphql(query, variables=None, token=None):
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}/graphql",
        data=body,
        headers={"content-type": "application/json", **({"authorization": f"Bearer {token}"} if token else {})},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.load(response)
    if answer.get("errors"):
        raise SystemExit(f"bench: the query failed: {answer['errors']}")
    return answer["data"]


def get_url(query, variables=None):
    params = {"query": query}
    if variables:
        params["variables"] = json.dumps(variables)
    return f"http://127.0.0.1:{PORT}/graphql?" + urllib.parse.urlencode(params)


def login(email):
    data = graphql(
        "mutation($input: LoginInput!) { login(input: $input) { session { accessToken } userErrors { message } } }",
        {"input": {"email": email, "password": PASSWORD}},
    )
    return data["login"]["session"]["accessToken"]


def aggregator_token():
    admin = login(ADMIN_EMAIL)
    aggregator = graphql("{ aggregators(first: 1) { edges { node { id } } } }", token=admin)[
        "aggregators"
    ]["edges"][0]["node"]["id"]
    email = f"bench-{time.time_ns()}@dermaga.test"
    graphql(
        "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } userErrors { message } } }",
        {"input": {"email": email, "password": PASSWORD, "displayName": "Bench", "role": "AGGREGATOR_ADMIN", "aggregatorId": aggregator}},
        token=admin,
    )
    return login(email)


def category_id(slug):
    for root in graphql("{ categories { id slug children { id slug } } }")["categories"]:
        for category in [root, *root["children"]]:
            if category["slug"] == slug:
                return category["id"]
    raise SystemExit(f"bench: no category {slug}")


def to_ms(text):
    match = re.match(r"([\d.]+)(us|ms|s)", text)
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def wrk(name, url, connections, headers=(), refused_with=None):
    # Every scenario's query is checked once before the load: no errors, or, for a document that
    # must be refused, exactly the expected code.
    request = urllib.request.Request(url, headers=dict(headers))
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
    if refused_with is not None:
        if f'"code":"{refused_with}"'.encode() not in body or b'"data"' in body:
            raise SystemExit(f"bench: {name} is not refused with {refused_with}: {body[:500]!r}")
    elif b'"errors"' in body:
        raise SystemExit(f"bench: {name} answers with errors: {body[:500]!r}")
    args = ["wrk", "-t", str(min(2, connections)), "-c", str(connections), "-d", DURATION, "--latency", url]
    for header in headers:
        args[1:1] = ["-H", f"{header[0]}: {header[1]}"]
    output = run(*args).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = to_ms(re.search(r"^\s*50%\s+(\S+)", output, re.M).group(1))
    p99 = to_ms(re.search(r"^\s*99%\s+(\S+)", output, re.M).group(1))
    errors = 0
    for pattern in (r"Non-2xx or 3xx responses:\s+(\d+)", r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)"):
        match = re.search(pattern, output)
        if match:
            errors += sum(int(group) for group in match.groups())
    result = {"scenario": name, "connections": connections, "requests_per_second": rps, "p50_ms": p50, "p99_ms": p99, "errors": errors}
    print(f"{name:<44} c={connections:<3} {rps:>10.0f} req/s  p50 {p50:7.2f} ms  p99 {p99:7.2f} ms  errors {errors}")
    return result


def main():
    os.makedirs(os.path.dirname(OUT) or ".", exist_ok=True)
    run("redis-cli", "-u", REDIS_URL, "FLUSHDB")
    results = {"duration": DURATION, "sellers": SELLERS, "products": PRODUCTS, "scenarios": [], "peak_rss_mib": {}}

    # The search at a tenth of the catalogue, for the scaling check.
    small, results["seed_seconds_small"] = seeded_database("dermaga_bench_small", max(1, SELLERS // 10), SMALL_PRODUCTS)
    server = Server(small, response_cache=False)
    search_url = get_url(SEARCH, {"category": category_id("keripik-camilan")})
    small_search = wrk(f"(c) search at {SMALL_PRODUCTS} products, uncached", search_url, 8)
    bomb = wrk("(i) fragment bomb (1.3 KB), refused", get_url(FRAGMENT_BOMB), 1, refused_with="FIELD_LIMIT")
    aliases = wrk("(i) 31 aliased searches (2.1 KB), refused", get_url(ALIASED_SEARCHES), 1, refused_with="ALIAS_LIMIT")
    results["scenarios"] += [small_search, bomb, aliases]
    results["peak_rss_mib"]["small_uncached"] = server.stop()

    large, results["seed_seconds"] = seeded_database("dermaga_bench", SELLERS, PRODUCTS)

    server = Server(large, response_cache=True)
    page_url = get_url(CATALOGUE_PAGE)
    cached = wrk("(a) catalogue first page, cached", page_url, 32)
    health = wrk("(f) GET /healthz", f"http://127.0.0.1:{PORT}/healthz", 32)
    results["scenarios"] += [cached, health]
    results["peak_rss_mib"]["cached"] = server.stop()

    server = Server(large, response_cache=False)
    product = graphql("{ products(first: 1) { edges { node { id } } } }")["products"]["edges"][0]["node"]["id"]
    token = aggregator_token()
    search_url = get_url(SEARCH, {"category": category_id("keripik-camilan")})
    results["scenarios"] += [
        wrk("(b) catalogue first page, uncached", page_url, 8),
        wrk(f"(c) search at {PRODUCTS} products, uncached", search_url, 8),
        wrk("(d) product detail, uncached", get_url(DETAIL, {"id": product}), 8),
        wrk("(e) aggregator sellers page, authenticated", get_url(SELLERS_PAGE), 8, [("authorization", f"Bearer {token}")]),
    ]
    results["peak_rss_mib"]["uncached"] = server.stop()

    results["cached_page_to_healthz_ratio"] = cached["requests_per_second"] / health["requests_per_second"]
    large_search = next(s for s in results["scenarios"] if s["scenario"].startswith(f"(c) search at {PRODUCTS}"))
    results["search_p50_ratio_large_to_small"] = large_search["p50_ms"] / small_search["p50_ms"]
    results["errors"] = sum(scenario["errors"] for scenario in results["scenarios"])
    print(f"(a)/(f) requests per second: {results['cached_page_to_healthz_ratio']:.2f}")
    print(f"(c) p50 at {PRODUCTS} / at {SMALL_PRODUCTS}: {results['search_p50_ratio_large_to_small']:.2f}")
    results["hostile_refusal_p99_ms"] = max(bomb["p99_ms"], aliases["p99_ms"])
    print(f"(i) slowest refusal of a hostile document, p99: {results['hostile_refusal_p99_ms']:.2f} ms (target: under 10 ms)")
    print(f"peak resident memory (MiB): {results['peak_rss_mib']}")
    print(f"errors: {results['errors']}")
    with open(OUT, "w") as out:
        json.dump(results, out, indent=2)
    print(f"bench: wrote {OUT}")


if __name__ == "__main__":
    sys.exit(main())
