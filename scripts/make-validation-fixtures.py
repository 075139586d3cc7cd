#!/usr/bin/env python3
"""Writes fixtures/validation/: small generated datasets (seed 42) with known, counted defects, and
expected.json, which names for each file the lines each check must report. Run it after a deliberate change
to the generator's output: `python3 scripts/make-validation-fixtures.py .build/release/ecomdata`."""
import json, subprocess, sys, os

binary = sys.argv[1] if len(sys.argv) > 1 else ".build/release/ecomdata"
out = os.path.join(os.path.dirname(__file__), "..", "fixtures", "validation")
os.makedirs(out, exist_ok=True)

def generate(kind, count):
    text = subprocess.run([binary, "generate", "--type", kind, "--count", str(count), "--seed", "42", "--out", "-"],
                          check=True, capture_output=True).stdout
    return text.rstrip(b"\n").split(b"\n")

def dump(record):
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode()

expected = {}

def defect(name, check, line):
    expected.setdefault(name, {}).setdefault(check, []).append(line)

# Transactions: one defect per line, each named with the checks it must trip.
lines = generate("transactions", 2000)
def edit(number, change, *checks):
    record = json.loads(lines[number - 1])
    change(record)
    lines[number - 1] = dump(record)
    for check in checks:
        defect("transactions.ndjson", check, number)

edit(3, lambda r: r.pop("currency"), "schema.required")
edit(6, lambda r: r.update(total_amount=str(r["total_amount"])), "schema.types")
edit(9, lambda r: r.update(payment_method="cash"), "schema.enums")
edit(12, lambda r: r.update(transaction_id="TXN-12"), "schema.formats")
edit(15, lambda r: r.update(coupon="WELCOME10"), "schema.unknown_fields")
lines[17] = lines[17][:-10]; defect("transactions.ndjson", "schema.parse", 18)
lines[20] = lines[20].replace(b'"city":"', b'"city":"\xff\xfe', 1); defect("transactions.ndjson", "schema.parse", 21)
edit(24, lambda r: r.update(transaction_id=json.loads(lines[22])["transaction_id"]), "referential.unique_id")
edit(27, lambda r: r.update(user_id="user_999999"), "referential.user_id")
edit(30, lambda r: r["products"][0].update(product_id="prod_999999"), "referential.product_id")
edit(33, lambda r: r["products"][0].update(name=r["products"][0]["name"] + " Deluxe"), "referential.product_details")
previous = json.loads(lines[298])["timestamp"]
def earlier(r):
    hour = int(previous[11:13])
    r["timestamp"] = previous[:11] + f"{max(hour - 1, 0):02d}" + previous[13:] if hour > 0 else previous[:8] + f"{int(previous[8:10]) - 1:02d}" + "T23" + previous[13:]
edit(300, earlier, "temporal.file_order")
edit(400, lambda r: r.update(timestamp="2099-01-01T00:00:00.000Z"), "temporal.future", "temporal.window")
edit(500, lambda r: r.update(timestamp="2023-01-01T12:00:00.000Z"), "temporal.window")
edit(600, lambda r: r["location"].update(latitude=95.0), "coordinates.range")
edit(700, lambda r: r["location"].update(latitude=0, longitude=0), "coordinates.null_island")
edit(800, lambda r: r["location"].update(latitude=round(r["location"]["latitude"] + 1.0, 4)), "coordinates.city_radius")
def other_region(r):
    r["location"]["region"] = "Europe" if r["location"]["region"] != "Europe" else "Asia"
edit(900, other_region, "coordinates.consistency")
edit(1000, lambda r: r.update(total_amount=round(r["total_amount"] + 1.0, 2)), "business.totals")
def mislabel(r):
    assert r["is_fraud"] is False
    r["is_fraud"] = True
edit(1100, mislabel, "business.fraud_labels")
edit(1200, lambda r: r["location"].update(city="<script>alert(1)</script>"), "coordinates.consistency")
def expensive(r):
    r["products"][0]["price"] = 99999.99
edit(1300, expensive, "distribution.amount_ranges", "referential.product_details", "business.totals")
lines[1399] = b"[1, 2, 3]"; defect("transactions.ndjson", "schema.parse", 1400)
with open(os.path.join(out, "transactions.ndjson"), "wb") as f:
    f.write(b"\n".join(lines) + b"\n")

# User events.
lines = generate("user_events", 1000)
def edit_event(number, change, *checks):
    record = json.loads(lines[number - 1])
    change(record)
    lines[number - 1] = dump(record)
    for check in checks:
        defect("user_events.ndjson", check, number)
first = json.loads(lines[48])
def hijack(r):
    r["session_id"] = first["session_id"]
    r["user_id"] = "user_000001" if first["user_id"] != "user_000001" else "user_000002"
edit_event(50, hijack, "referential.session_user")
edit_event(100, lambda r: r.update(event_type="teleport"), "schema.enums")
with_product = next(i for i in range(150, 1000) if json.loads(lines[i - 1])["product_id"] is not None)
edit_event(with_product, lambda r: r.update(product_id="prod_999999"), "referential.product_id")
with open(os.path.join(out, "user_events.ndjson"), "wb") as f:
    f.write(b"\n".join(lines) + b"\n")

with open(os.path.join(out, "expected.json"), "w") as f:
    json.dump({"seed": 42, "files": expected}, f, indent=2, sort_keys=True)
    f.write("\n")
print("wrote", out)
