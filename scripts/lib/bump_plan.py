"""Gives persons' newest genomförandeplan a new goal text, so the next run renders a new
version of it (the benchmarks use it).

Usage: bump_plan.py PLANS_JSON PERSON_ID TAG      one person
       bump_plan.py PLANS_JSON 2% TAG             every 50th person with a plan (2 %), the
                                                  same persons for the same file"""
import json
import sys

path, who, tag = sys.argv[1], sys.argv[2], sys.argv[3]
plans = json.load(open(path, encoding="utf-8"))
newest = {}
for p in plans:
    newest[p["person_id"]] = p
if who.endswith("%"):
    persons = sorted(newest)
    step = max(1, round(100 / float(who[:-1])))
    chosen = persons[::step]
else:
    chosen = [who]
for person in chosen:
    if person not in newest:
        sys.exit(f"{person} has no plan")
    newest[person]["mal"] = f"Benchmark, version {tag}."
json.dump(plans, open(path, "w", encoding="utf-8"), ensure_ascii=False)
if who.endswith("%"):
    print(f"{len(chosen)} planer ändrade av {len(persons)}")
