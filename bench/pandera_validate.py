#!/usr/bin/env python3
"""The comparison `make bench` runs when pandera is installed: the schema checks of ecomdata's transactions
(required fields, types, ID and time patterns, enums, ranges, unique IDs, totals to the cent) written as pandera
schemas over pandas frames, as a data team would write them, applied to an NDJSON file of transactions.

It does a subset of what `ecomdata validate` does (no catalog, time-zone, coordinate-radius, session or
distribution checks), so its rate is an upper bound for pandera doing the same work.

Usage: pandera_validate.py FILE  ->  prints "pandera: N records in S s (R records/s), F failure cases"
"""
import sys
import time

import pandas as pd
import pandera.pandas as pa
from pandera.pandas import Check, Column, DataFrameSchema


def pattern(regex):
    return Check.str_matches(regex)


TRANSACTIONS = DataFrameSchema(
    {
        "transaction_id": Column(str, pattern(r"^txn_[0-9a-f]+$"), unique=True),
        "user_id": Column(str, pattern(r"^user_[0-9a-f]+$")),
        "session_id": Column(str, pattern(r"^sess_[0-9a-f]+$")),
        "timestamp": Column(str, pattern(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")),
        "subtotal": Column(float, Check.ge(0)),
        "tax": Column(float, Check.ge(0)),
        "shipping": Column(float, Check.ge(0)),
        "total_amount": Column(float, Check.ge(0)),
        "currency": Column(str, Check.isin(["USD"])),
        "payment_method": Column(str, Check.isin(["credit_card", "debit_card", "paypal", "apple_pay", "google_pay", "bank_transfer"])),
        "user_type": Column(str, Check.isin(["regular", "vip", "new"])),
        "is_fraud": Column(bool),
        "fraud_score": Column(float, Check.in_range(0, 1)),
        "fraud_type": Column(None, Check.isin(["velocity", "location", "amount", "time", "device", "pattern"]), nullable=True),
    },
    checks=[Check(lambda df: (df["subtotal"] + df["tax"] + df["shipping"] - df["total_amount"]).abs() < 0.005,
                  name="total_adds_up")],
    strict=False,
)

LOCATIONS = DataFrameSchema(
    {
        "country": Column(str, pattern(r"^[A-Z]{2}$")),
        "city": Column(str),
        "timezone": Column(str),
        "region": Column(str, Check.isin(["North America", "Europe", "Asia", "Others"])),
        "latitude": Column(float, [Check.in_range(-90, 90)]),
        "longitude": Column(float, [Check.in_range(-180, 180)]),
    }
)

DEVICES = DataFrameSchema(
    {
        "device_id": Column(str, pattern(r"^dev_[0-9a-f]+$")),
        "device_type": Column(str, Check.isin(["mobile", "desktop", "tablet"])),
        "os": Column(str),
    }
)

ITEMS = DataFrameSchema(
    {
        "product_id": Column(str, pattern(r"^prod_[0-9a-f]+$")),
        "name": Column(str),
        "category": Column(str),
        "price": Column(float, Check.gt(0)),
        "quantity": Column(int, Check.ge(1)),
    }
)


def failures(schema, frame):
    try:
        schema.validate(frame, lazy=True)
        return 0
    except pa.errors.SchemaErrors as error:
        return len(error.failure_cases)


def main(path):
    start = time.monotonic()
    frame = pd.read_json(path, lines=True, dtype=False)
    locations = pd.DataFrame(frame["location"].tolist())
    devices = pd.DataFrame(frame["device_info"].tolist())
    items = pd.DataFrame(frame["products"].explode().dropna().tolist())
    found = failures(TRANSACTIONS, frame) + failures(LOCATIONS, locations) + failures(DEVICES, devices) + failures(ITEMS, items)
    seconds = time.monotonic() - start
    print(f"pandera: {len(frame)} records in {seconds:.2f} s ({len(frame) / seconds:.0f} records/s), {found} failure cases")


if __name__ == "__main__":
    main(sys.argv[1])
