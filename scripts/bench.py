"""Drives scripts/bench.sh: seeds, starts the server, runs wrk per scenario, reports.

Only the standard library: the load itself comes from wrk.
"""

import atexit
import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
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
# Both servers' database pools: as docker-compose.yml sets DATABASE_MAX_CONNECTIONS for production.
POOL_SIZE = os.environ.get("DATABASE_MAX_CONNECTIONS", "20")
PORT = 18080
PEER_PORT = 18090
PEER_DIR = "scripts/peer"
# Why scenario (h) is skipped, when scripts/bench.sh could not install the peer; BENCH_PEER=0 skips it.
PEER_SKIP = os.environ.get("BENCH_PEER_SKIP") or (
    "BENCH_PEER=0" if os.environ.get("BENCH_PEER") == "0" else None
)
MIXED_WARM = os.environ.get("BENCH_MIXED_WARM", "1") != "0"
WRITES_PER_SECOND = float(os.environ.get("BENCH_WRITES_PER_SECOND", "10"))
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

# (g): one in five requests a category page, the others a product detail; ids are filled in by
# the wrk script (see mixed_script).
CATEGORY_PAGE = """query($category: ID!) { products(first: 20, filter: { categoryId: $category }) {
  edges { node { id title seller { businessName city } category { name }
  priceRange { minVariantPrice { amount currency } maxVariantPrice { amount currency } } } }
  pageInfo { hasNextPage endCursor } } }"""

SET_STOCK = """mutation($input: SetVariantStockInput!) { setVariantStock(input: $input) {
  variant { id stock } userErrors { field message } } }"""

# (h): the same page asked of Dermaga and of PostGraphile v5 (its generated names): 20 ACTIVE
# products of one category, highest id (newest) first, with seller name and city, category name
# and variant prices. PostGraphile's condition cannot say "of an ACTIVE seller" without a plugin.
PEER_DERMAGA = """query($category: ID!) { products(first: 20, sort: NEWEST, filter: { categoryId: $category }) {
  edges { node { title seller { businessName city } category { name } variants { price { amount } } } } } }"""

PEER_POSTGRAPHILE = """query($category: BigInt!) { allProducts(first: 20, orderBy: ROW_ID_DESC,
  condition: { categoryId: $category, status: "ACTIVE" }) { nodes { title
  sellerBySellerIdAndAggregatorId { businessName city } categoryByCategoryId { name }
  productVariantsByProductIdAndAggregatorId { nodes { price } } } } }"""

SELLERS_PAGE = """{ sellers(first: 20) { totalCount edges { node { id businessName phone city
  sector status onboarding { stage } } } pageInfo { hasNextPage endCursor } } }"""


def run(*args, env=None, check=True):
    return subprocess.run(args, env=env, check=check, capture_output=True, text=True)


def psql(sql):
    run("psql", f"{PG}/postgres", "-qAtc", sql)


def psql_column(database_url, sql):
    """The first column of a query's rows, as integers."""
    return [int(line) for line in run("psql", database_url, "-qAtc", sql).stdout.split()]


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
    env.setdefault("DATABASE_MAX_CONNECTIONS", POOL_SIZE)
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


def wrk(name, url, connections, headers=(), refused_with=None, script=None):
    # Every scenario's query is checked once before the load: no errors, or, for a document that
    # must be refused, exactly the expected code. A scenario with a wrk script checks its own.
    if script is None:
        request = urllib.request.Request(url, headers=dict(headers))
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        if refused_with is not None:
            if f'"code":"{refused_with}"'.encode() not in body or b'"data"' in body:
                raise SystemExit(f"bench: {name} is not refused with {refused_with}: {body[:500]!r}")
        elif b'"errors"' in body:
            raise SystemExit(f"bench: {name} answers with errors: {body[:500]!r}")
    args = ["wrk", "-t", str(min(2, connections)), "-c", str(connections), "-d", DURATION, "--latency", url]
    if script is not None:
        args[1:1] = ["-s", script]
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


def fetch_json(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def cache_counters():
    """(hits, misses) of the response cache, from the server's /metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/metrics", timeout=10) as response:
        text = response.read().decode()
    hits = int(re.search(r"^dermaga_cache_hits_total (\d+)", text, re.M).group(1))
    misses = int(re.search(r"^dermaga_cache_misses_total (\d+)", text, re.M).group(1))
    return hits, misses


def all_category_ids():
    ids = []
    for root in graphql("{ categories { id children { id } } }")["categories"]:
        ids += [root["id"], *(child["id"] for child in root["children"])]
    return ids


def lua_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def mixed_paths():
    """(detail, page, suffix): a product's detail is detail + its number + suffix, a category's
    page is page + its number + suffix (GET, the ids inside the encoded variables)."""
    prefix = lambda type_name, name: json.dumps({name: f"gid://dermaga/{type_name}/"})[:-2]
    detail = "/graphql?" + urllib.parse.urlencode({"query": DETAIL, "variables": prefix("Product", "id")})
    page = "/graphql?" + urllib.parse.urlencode({"query": CATEGORY_PAGE, "variables": prefix("Category", "category")})
    return detail, page, urllib.parse.quote('"}')


def mixed_script(path, product_ids, category_numbers):
    """A wrk script: each request a product detail by a random id, one in five a category page."""
    detail, page, suffix = mixed_paths()
    numbers = lambda ids: ",".join(str(i) for i in ids)
    with open(path, "w") as script:
        script.write(f"""-- Written by scripts/bench.py for scenario (g).
local products = {{{numbers(product_ids)}}}
local categories = {{{numbers(category_numbers)}}}
local detail = {lua_string(detail)}
local page = {lua_string(page)}
local suffix = {lua_string(suffix)}
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("number", threads)
end
function init(args)
  math.randomseed(os.time() * 1000 + number)
end
function request()
  if math.random(5) == 1 then
    return wrk.format("GET", page .. categories[math.random(#categories)] .. suffix)
  end
  return wrk.format("GET", detail .. products[math.random(#products)] .. suffix)
end
""")


def warm(product_ids, category_numbers, workers=8):
    """Asks every product detail and category page of (g) once, so that a run measures the
    cache's steady state rather than its filling. Returns the seconds it took."""
    detail, page, suffix = mixed_paths()
    paths = [f"{detail}{i}{suffix}" for i in product_ids] + [f"{page}{i}{suffix}" for i in category_numbers]
    failures = []

    def worker(share):
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        for path in share:
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
            if response.status != 200 or b'"errors"' in body:
                failures.append(body[:300])
        connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(paths[n::workers],)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"bench: (g) {len(failures)} of {len(paths)} warming requests failed: {failures[0]!r}")
    return time.monotonic() - started


class StockWriter(threading.Thread):
    """Sets the stock of random variants at a steady rate, as an aggregator admin, over one
    keep-alive connection, until stopped."""

    def __init__(self, token, variant_ids, rate):
        super().__init__(daemon=True)
        self.token, self.variant_ids, self.rate = token, variant_ids, rate
        self.halt = threading.Event()
        self.writes = self.failures = 0
        self.seconds = 0.0
        self.sellers = set()

    def run(self):
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        headers = {"content-type": "application/json", "authorization": f"Bearer {self.token}"}
        started = time.monotonic()
        while True:
            due = started + (self.writes + self.failures) / self.rate
            if self.halt.wait(max(0.0, due - time.monotonic())):
                break
            seller, variant = random.choice(self.variant_ids)
            body = json.dumps({"query": SET_STOCK, "variables": {"input": {
                "variantId": f"gid://dermaga/ProductVariant/{variant}", "stock": random.randint(0, 500)}}})
            try:
                connection.request("POST", "/graphql", body, headers)
                response = connection.getresponse()
                answer = json.loads(response.read())
                ok = response.status == 200 and not answer.get("errors") and not answer["data"]["setVariantStock"]["userErrors"]
            except (OSError, http.client.HTTPException, ValueError, KeyError, TypeError):
                connection.close()
                ok = False
            if ok:
                self.writes += 1
                self.sellers.add(seller)
            else:
                self.failures += 1
                if self.failures == 1:
                    print(f"bench: a stock write failed: {locals().get('answer')!r}"[:500])
        self.seconds = time.monotonic() - started
        connection.close()


def mixed_run(name, database_url, script, warm_with, writer_token=None, variant_ids=None):
    """One (g) run on a fresh server (an empty response cache, then warmed with every page the
    run asks unless BENCH_MIXED_WARM=0): wrk at 16 connections, and with `writer_token` a writer
    changing stock at WRITES_PER_SECOND meanwhile."""
    server = Server(database_url, response_cache=True)
    token = writer_token() if writer_token else None
    warmed = None
    if MIXED_WARM:
        warmed = warm(*warm_with)
        print(f"bench: (g) warmed the response cache with {sum(map(len, warm_with))} pages in {warmed:.1f} s")
    before = cache_counters()
    writer = None
    if token:
        writer = StockWriter(token, variant_ids, WRITES_PER_SECOND)
        writer.start()
    result = wrk(name, f"http://127.0.0.1:{PORT}/", 16, script=script)
    if writer:
        writer.halt.set()
        writer.join()
    after = cache_counters()
    hits, misses = after[0] - before[0], after[1] - before[1]
    result["cache_hits"], result["cache_misses"] = hits, misses
    result["hit_rate"] = hits / (hits + misses) if hits + misses else 0.0
    result["warmed"] = MIXED_WARM
    if writer:
        result["writes"], result["write_failures"] = writer.writes, writer.failures
        result["writes_per_second"] = writer.writes / writer.seconds if writer.seconds else 0.0
        result["sellers_written"] = len(writer.sellers)
        print(f"{'':<44} writes {writer.writes} ({result['writes_per_second']:.1f}/s, "
              f"{len(writer.sellers)} sellers), failed {writer.failures}")
    print(f"{'':<44} response cache: {hits} hits, {misses} misses, hit rate {result['hit_rate']:.3f}")
    result["peak_rss_mib"] = server.stop()
    return result


def mixed_scenario(database_url, results):
    """(g): product details by random id and category pages, without then with a stock writer."""
    products = psql_column(database_url, """SELECT p.id FROM products p JOIN sellers s
        ON s.id = p.seller_id WHERE p.status = 'ACTIVE' AND s.status = 'ACTIVE' ORDER BY p.id""")
    # Check the queries once, on a server of their own, and find the writer's variants.
    server = Server(database_url, response_cache=False)
    categories = all_category_ids()
    detail = graphql(DETAIL, {"id": f"gid://dermaga/Product/{random.choice(products)}"})["product"]
    if not detail or not detail["variants"]:
        raise SystemExit(f"bench: (g) product detail answers {detail!r}")
    graphql(CATEGORY_PAGE, {"category": random.choice(categories)})
    admin = login(ADMIN_EMAIL)
    aggregator = graphql("{ aggregators(first: 1) { edges { node { id } } } }", token=admin)[
        "aggregators"]["edges"][0]["node"]["id"].rsplit("/", 1)[1]
    server.stop()
    rows = run("psql", database_url, "-qAtF", " ", "-c", f"""SELECT p.seller_id, v.id
        FROM product_variants v JOIN products p ON p.id = v.product_id JOIN sellers s ON s.id = p.seller_id
        WHERE p.aggregator_id = {int(aggregator)} AND p.status = 'ACTIVE' AND s.status = 'ACTIVE'""").stdout.split("\n")
    variants = [tuple(int(x) for x in row.split()) for row in rows if row.strip()]
    script = os.path.join(os.path.dirname(OUT) or ".", "mixed.lua")
    category_numbers = [int(c.rsplit("/", 1)[1]) for c in categories]
    mixed_script(script, products, category_numbers)
    print(f"bench: (g) {len(products)} visible products, {len(categories)} categories; the writer "
          f"sets stock on {len(variants)} variants of {len({s for s, _ in variants})} sellers")
    warm_with = (products, category_numbers)
    quiet = mixed_run("(g) detail + category pages, no writes", database_url, script, warm_with)
    busy = mixed_run(f"(g) the same, {WRITES_PER_SECOND:g} stock writes/s", database_url, script, warm_with,
                     writer_token=aggregator_token, variant_ids=variants)
    results["scenarios"] += [quiet, busy]
    results["mixed"] = {
        "products": len(products),
        "categories": len(categories),
        "warmed": MIXED_WARM,
        "hit_rate_without_writes": quiet["hit_rate"],
        "hit_rate_with_writes": busy["hit_rate"],
        "requests_per_second_ratio": busy["requests_per_second"] / quiet["requests_per_second"],
    }


class Peer:
    """PostGraphile v5 on Node 22 (installed by scripts/bench.sh under scripts/peer/node_modules)."""

    def __init__(self, database_url):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", PEER_PORT)) == 0:
                raise SystemExit(f"bench: port {PEER_PORT} is taken by another process; stop it first")
        env = dict(os.environ, DATABASE_URL=database_url, PORT=str(PEER_PORT), NODE_ENV="production",
                   DATABASE_MAX_CONNECTIONS=POOL_SIZE)
        self.log = open(os.path.join(os.path.dirname(OUT) or ".", "postgraphile.log"), "w")
        self.process = subprocess.Popen(
            [f"{PEER_DIR}/node_modules/.bin/node", f"{PEER_DIR}/node_modules/postgraphile/dist/cli-run.js",
             "-C", f"{PEER_DIR}/graphile.config.mjs"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        atexit.register(lambda: self.process.poll() is None and self.process.kill())
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"bench: PostGraphile exited at start; see {self.log.name}")
            try:
                self.query("{ __typename }")
                return
            except OSError:
                time.sleep(0.5)
        raise SystemExit("bench: PostGraphile did not start")

    def query(self, query, variables=None):
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{PEER_PORT}/graphql", data=body,
                                         headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def url(self, query, variables):
        return f"http://127.0.0.1:{PEER_PORT}/graphql?" + urllib.parse.urlencode(
            {"query": query, "variables": json.dumps(variables)})

    def stop(self):
        peak = None
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    peak = int(line.split()[1]) / 1024
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        return peak


def peer_scenario(database_url, results):
    """(h): the uncached catalogue page of one category against PostGraphile v5's, alternating
    runs at 32 connections. Expects Dermaga's uncached server to be running."""
    if PEER_SKIP:
        print(f"bench: (h) skipped: {PEER_SKIP}")
        results["peer"] = {"skipped": PEER_SKIP}
        return
    category = category_id("keripik-camilan")
    dermaga = graphql(PEER_DERMAGA, {"category": category})["products"]["edges"]
    peer = Peer(database_url)
    answer = peer.query(PEER_POSTGRAPHILE, {"category": category.rsplit("/", 1)[1]})
    if answer.get("errors"):
        peer.stop()
        raise SystemExit(f"bench: PostGraphile's page fails: {answer['errors']}")
    nodes = answer["data"]["allProducts"]["nodes"]
    if len(dermaga) != 20 or len(nodes) != 20:
        peer.stop()
        raise SystemExit(f"bench: (h) pages of {len(dermaga)} (Dermaga) and {len(nodes)} (PostGraphile) products, not 20")
    ours_titles, theirs_titles = [e["node"]["title"] for e in dermaga], [n["title"] for n in nodes]
    same = ours_titles == theirs_titles
    shared = sum(1 for title in theirs_titles if title in ours_titles)
    print(f"bench: (h) both pages have 20 products; the same titles in the same order: {same} "
          f"({shared} of PostGraphile's 20 titles are on Dermaga's page, which leaves out sellers that are not ACTIVE)")
    dermaga_url = get_url(PEER_DERMAGA, {"category": category})
    peer_url = peer.url(PEER_POSTGRAPHILE, {"category": category.rsplit("/", 1)[1]})
    # Node compiles its hot paths during the first seconds of load: a few unmeasured seconds on
    # each side first, so that neither run 1 measures a warm-up.
    print("bench: (h) 3 s of unmeasured load on each first")
    for url in (dermaga_url, peer_url):
        run("wrk", "-t", "2", "-c", "32", "-d", "3s", url)
    runs = []
    for round_ in (1, 2):
        runs.append(wrk(f"(h) category page, Dermaga uncached, run {round_}", dermaga_url, 32))
        runs.append(wrk(f"(h) category page, PostGraphile v5, run {round_}", peer_url, 32))
    peak = peer.stop()
    ours = [r["requests_per_second"] for r in runs[0::2]]
    theirs = [r["requests_per_second"] for r in runs[1::2]]
    results["scenarios"] += runs
    results["peer"] = {
        "postgraphile": json.load(open(f"{PEER_DIR}/node_modules/postgraphile/package.json"))["version"],
        "node": run(f"{PEER_DIR}/node_modules/.bin/node", "--version").stdout.strip(),
        "same_titles": same,
        "shared_titles": shared,
        "pair_ratios": [o / t for o, t in zip(ours, theirs)],
        "ratio": statistics.median(ours) / statistics.median(theirs),
        "postgraphile_peak_rss_mib": peak,
    }


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

    # (g) on the same small catalogue, each run on a fresh server with the response cache on.
    mixed_scenario(small, results)

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
    # (h) against this uncached server, over the same database.
    peer_scenario(large, results)
    results["peak_rss_mib"]["uncached"] = server.stop()

    results["cached_page_to_healthz_ratio"] = cached["requests_per_second"] / health["requests_per_second"]
    large_search = next(s for s in results["scenarios"] if s["scenario"].startswith(f"(c) search at {PRODUCTS}"))
    results["search_p50_ratio_large_to_small"] = large_search["p50_ms"] / small_search["p50_ms"]
    results["errors"] = sum(scenario["errors"] for scenario in results["scenarios"])
    print(f"(a)/(f) requests per second: {results['cached_page_to_healthz_ratio']:.2f}")
    print(f"(c) p50 at {PRODUCTS} / at {SMALL_PRODUCTS}: {results['search_p50_ratio_large_to_small']:.2f}")
    results["hostile_refusal_p99_ms"] = max(bomb["p99_ms"], aliases["p99_ms"])
    print(f"(i) slowest refusal of a hostile document, p99: {results['hostile_refusal_p99_ms']:.2f} ms (target: under 10 ms)")
    mixed = results["mixed"]
    print(f"(g) hit rate without writes {mixed['hit_rate_without_writes']:.3f}, with "
          f"{WRITES_PER_SECOND:g} writes/s {mixed['hit_rate_with_writes']:.3f} (target: at least 0.8); "
          f"requests/s with / without writes: {mixed['requests_per_second_ratio']:.2f} (target: at least 0.70)")
    if "ratio" in results["peer"]:
        pairs = ", ".join(f"{r:.2f}" for r in results["peer"]["pair_ratios"])
        print(f"(h) requests/s Dermaga uncached / PostGraphile v5, medians: {results['peer']['ratio']:.2f} "
              f"(each pair: {pairs}; target: at least 2.0)")
    else:
        print(f"(h) skipped: {results['peer']['skipped']}")
    print(f"peak resident memory (MiB): {results['peak_rss_mib']}")
    print(f"errors: {results['errors']}")
    with open(OUT, "w") as out:
        json.dump(results, out, indent=2)
    print(f"bench: wrote {OUT}")


if __name__ == "__main__":
    sys.exit(main())
