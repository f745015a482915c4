"""Gives one person's newest genomförandeplan a new goal text, so the next run renders a new
version of it (the benchmarks use it). Usage: bump_plan.py PLANS_JSON PERSON_ID TAG"""
import json
import sys

path, person, tag = sys.argv[1], sys.argv[2], sys.argv[3]
plans = json.load(open(path, encoding="utf-8"))
hit = [p for p in plans if p["person_id"] == person]
if not hit:
    sys.exit(f"{person} has no plan")
hit[-1]["mal"] = f"Benchmark, version {tag}."
json.dump(plans, open(path, "w", encoding="utf-8"), ensure_ascii=False)
