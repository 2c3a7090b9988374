"""What only scoring does, as pure functions over Decimals: a unit's components, total, grade and
explanation, grading and ranking a period, results documents.

The plan contract (plan, bundle, decimals, periods, survey response scoring, exact JSON) is shared
by every service and lives in `jixiao.rules`; this package builds on it:

    bundle = jixiao.rules.bundle.load_bundle(text)
    scores = grading.score_bundle(bundle, "Y")               # score_unit per unit + grade_period
    doc = results.results_to_dict(bundle.plan, "Y", scores)  # jixiao.results/v1
"""
