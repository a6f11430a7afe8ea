"""Scenario (j) of scripts/bench.sh: a sustained run of inbound orders (issue 16).

100 signed orders a second for 30 s, alternating between two channels, on 200 products of one
aggregator, against the release server on PostgreSQL + Redis with its worker delivering to a
partner server in this process. Checks that no order is lost or doubled and that each variant's
stock is its starting stock minus the accepted quantities, and measures how long after the last
stock change of a product its other channel was sent the final stock (p50, p99, max; target:
every one within 5 s).

Run alone: BENCH_ONLY=orders scripts/bench.sh (settings: BENCH_ORDERS_PER_SECOND, 100;
BENCH_ORDERS_SECONDS, 30; BENCH_ORDER_PRODUCTS, 200).
"""

import hashlib
import hmac
import http.server
import json
import os
import random
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

RATE = float(os.environ.get("BENCH_ORDERS_PER_SECOND", "100"))
SECONDS = float(os.environ.get("BENCH_ORDERS_SECONDS", "30"))
PRODUCTS = int(os.environ.get("BENCH_ORDER_PRODUCTS", "200"))
START_STOCK = 20
CONVERGENCE_TARGET_S = 5.0


class Partner:
    """Both channels' webhooks: records the stock each listing push carries, with its time."""

    def __init__(self):
        self.lock = threading.Lock()
        self.pushes = {}  # (channel, sku) -> [(arrival, stock)]
        partner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                arrived = time.monotonic()
                channel = self.path.strip("/")
                try:
                    document = json.loads(body)
                except ValueError:
                    document = {}
                variants = (document.get("product") or {}).get("variants") or []
                with partner.lock:
                    for variant in variants:
                        partner.pushes.setdefault((channel, variant["sku"]), []).append(
                            (arrived, variant["stock"]))
                answer = json.dumps({"externalId": f"X-{document.get('listingId', '')}"}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def last_stock(self, channel, sku):
        with self.lock:
            seen = self.pushes.get((channel, sku))
            return seen[-1][1] if seen else None

    def first_after(self, channel, sku, since, stock):
        with self.lock:
            for arrived, pushed in self.pushes.get((channel, sku), []):
                if arrived >= since and pushed == stock:
                    return arrived
        return None


def signed_post(code, secret, body):
    timestamp = str(int(time.time()))
    signature = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(
        f"http://127.0.0.1:{bench.PORT}/channels/{code}/orders", data=body, method="POST",
        headers={"content-type": "application/json", "x-dermaga-timestamp": timestamp,
                 "x-dermaga-signature": f"t={timestamp},v1={signature}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, {}


def setup(partner):
    admin = bench.login(bench.ADMIN_EMAIL)
    aggregator = bench.graphql("{ aggregators(first: 1) { edges { node { id slug } } } }", token=admin)[
        "aggregators"]["edges"][0]["node"]
    token = bench.aggregator_token()
    channels = []
    for code in ("pasar-a", "pasar-b"):
        registered = bench.graphql(
            """mutation($input: RegisterChannelInput!) { registerChannel(input: $input) {
                 channel { id code } signingSecret userErrors { message } } }""",
            {"input": {"code": code, "name": code, "kind": "MARKETPLACE",
                       "webhookUrl": f"http://127.0.0.1:{partner.port}/{code}"}}, token=admin)["registerChannel"]
        bench.graphql("""mutation($input: EnableChannelInput!) { enableChannel(input: $input) {
                           feedToken userErrors { message } } }""",
                      {"input": {"channelId": registered["channel"]["id"]}}, token=token)
        channels.append((code, registered["channel"]["id"], registered["signingSecret"]))
    products, after = [], None
    while len(products) < PRODUCTS:
        page = bench.graphql(
            """query($after: String) { managedProducts(first: 100, after: $after, filter: { status: ACTIVE }) {
                 edges { node { id variants { id sku } } } pageInfo { hasNextPage endCursor } } }""",
            {"after": after}, token=token)["managedProducts"]
        products += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    products = products[:PRODUCTS]
    if len(products) < PRODUCTS:
        raise SystemExit(f"bench (j): the aggregator has only {len(products)} active products")
    for product in products:
        variant = product["variants"][0]
        bench.graphql(bench.SET_STOCK, {"input": {"variantId": variant["id"], "stock": START_STOCK}}, token=token)
        bench.graphql("""mutation($input: PublishProductInput!) { publishProduct(input: $input) {
                           listings { id } userErrors { message } } }""",
                      {"input": {"productId": product["id"],
                                 "channels": [{"channelId": channel_id} for _, channel_id, _ in channels]}},
                      token=token)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if all(partner.last_stock(code, p["variants"][0]["sku"]) == START_STOCK
               for p in products for code, _, _ in channels):
            break
        time.sleep(0.5)
    else:
        raise SystemExit("bench (j): the listings never reached both channels")
    return aggregator["slug"], channels, [(p["variants"][0]["id"], p["variants"][0]["sku"]) for p in products]


def drive(slug, channels, variants):
    """Sends RATE orders a second for SECONDS; returns one record per order."""
    total = int(RATE * SECONDS)
    records = [None] * total
    started = time.monotonic()

    def send(index):
        due = started + index / RATE
        time.sleep(max(0.0, due - time.monotonic()))
        channel = index % 2
        code, _, secret = channels[channel]
        variant_id, sku = random.choice(variants)
        quantity = random.choice((1, 1, 2))
        body = json.dumps({
            "event": "order.created", "aggregator": slug,
            "order": {"externalId": f"J-{index}", "placedAt": "2026-12-02T08:00:00Z", "buyerCity": "Malang",
                      "lines": [{"sku": sku, "quantity": quantity,
                                 "unitPrice": {"amount": "15000", "currency": "IDR"}}]}},
            separators=(",", ":")).encode()
        sent = time.monotonic()
        status, answer = signed_post(code, secret, body)
        accepted = ((answer.get("order") or {}).get("lines") or [{}])[0].get("accepted", 0) if status == 200 else 0
        records[index] = {"channel": channel, "sku": sku, "variant": variant_id, "sent": sent,
                          "answered": time.monotonic(), "status": status, "accepted": accepted}

    with ThreadPoolExecutor(max_workers=32) as pool:
        list(pool.map(send, range(total)))
    return records, time.monotonic() - started


def main():
    database = bench.recreate_database("dermaga_bench_orders")
    # The seed spreads products over 5 aggregators, some of them not ACTIVE.
    bench.seed(database, 20, PRODUCTS * 10)
    partner = Partner()
    os.environ.update({"ALLOW_PRIVATE_WEBHOOKS": "true", "WORKER_POLL_INTERVAL_MS": "20",
                       "WORKER_BACKOFF_BASE_MS": "200", "RECONCILE_INTERVAL_SECONDS": "3600"})
    server = bench.Server(database, response_cache=True)
    try:
        slug, channels, variants = setup(partner)
        records, elapsed = drive(slug, channels, variants)
        last_order = max(record["answered"] for record in records)
        time.sleep(CONVERGENCE_TARGET_S + 1)
        report = check(database, channels, variants, records, partner, elapsed, last_order)
    finally:
        report_rss = server.stop()
    report["peak_rss_mib"] = report_rss
    print(json.dumps(report, indent=2))
    out = os.environ.get("BENCH_ORDERS_OUT", f"bench-results/orders-{time.strftime('%Y%m%dT%H%M%S')}.json")
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    with open(out, "w") as file:
        json.dump(report, file, indent=2)
    print(f"bench (j): wrote {out}")
    return 0 if report["passed"] else 1


def check(database, channels, variants, records, partner, elapsed, last_order):
    sent = len(records)
    refused = sum(1 for record in records if record["status"] != 200)
    stored = bench.psql_column(database, "SELECT COUNT(*) FROM orders")[0]
    events = bench.psql_column(database, "SELECT COUNT(*) FROM order_events")[0]
    distinct = bench.psql_column(database, "SELECT COUNT(DISTINCT external_id) FROM orders")[0]
    accepted_by_variant = {}
    for record in records:
        accepted_by_variant[record["variant"]] = accepted_by_variant.get(record["variant"], 0) + record["accepted"]
    wrong_stock = []
    convergence = []
    late = []
    for variant_id, sku in variants:
        db_id = int(variant_id.rsplit("/", 1)[1])
        final = bench.psql_column(database, f"SELECT stock FROM product_variants WHERE id = {db_id}")[0]
        if final != START_STOCK - accepted_by_variant.get(variant_id, 0):
            wrong_stock.append((sku, final, START_STOCK - accepted_by_variant.get(variant_id, 0)))
        changes = [r for r in records if r["variant"] == variant_id and r["accepted"] > 0]
        if not changes:
            continue
        last = max(changes, key=lambda r: r["sent"])
        other_code = channels[1 - last["channel"]][0]
        arrived = partner.first_after(other_code, sku, last["sent"], final)
        if arrived is None:
            late.append((sku, other_code, final, partner.last_stock(other_code, sku)))
        else:
            convergence.append(max(0.0, arrived - last["sent"]))
    convergence.sort()

    def quantile(q):
        return round(convergence[min(len(convergence) - 1, int(q * len(convergence)))], 3) if convergence else None

    report = {
        "products": len(variants), "channels": len(channels),
        "orders_sent": sent, "orders_per_second": round(sent / elapsed, 1), "refused": refused,
        "orders_stored": stored, "distinct_orders": distinct, "order_events": events,
        "accepted_units": sum(accepted_by_variant.values()),
        "needs_attention": bench.psql_column(database, "SELECT COUNT(*) FROM orders WHERE needs_attention")[0],
        "variants_with_wrong_stock": wrong_stock[:10],
        "products_converged": len(convergence), "products_not_converged": late[:10],
        "convergence_p50_s": quantile(0.5), "convergence_p99_s": quantile(0.99),
        "convergence_max_s": round(convergence[-1], 3) if convergence else None,
        "answer_p99_ms": round(sorted(r["answered"] - r["sent"] for r in records)[int(0.99 * sent) - 1] * 1000, 1),
    }
    report["passed"] = (refused == 0 and stored == sent and distinct == sent and events == sent
                        and not wrong_stock and not late
                        and (report["convergence_max_s"] or 0) <= CONVERGENCE_TARGET_S)
    print(f"(j) {sent} orders at {report['orders_per_second']}/s: stored {stored}, events {events}, "
          f"refused {refused}, stock wrong on {len(wrong_stock)} variants; other channel converged on "
          f"{len(convergence)} products, p50 {report['convergence_p50_s']} s, p99 {report['convergence_p99_s']} s, "
          f"max {report['convergence_max_s']} s (target: all within {CONVERGENCE_TARGET_S:g} s); "
          f"{'PASSED' if report['passed'] else 'FAILED'}")
    return report


if __name__ == "__main__":
    sys.exit(main())
