"""The plan contract every service shares — pure, standard library only, imports no service.

- `model`      the plan, its indicator tree and the facts about a unit (frozen dataclasses, Decimals)
- `plan`       reading and validating a plan (`parse_plan`, `load_plan_json`), every problem with its path
- `tree`       the indicator tree: nodes, leaves and their scoring methods
- `bundle`     the `jixiao.bundle/v1` format (`load_bundle`, `parse_bundle`)
- `decimals`   the one decimal context and the half-up rounding of published figures
- `periods`    Y, H1, Q1–Q4: which dates and survey rounds lie in a period
- `survey`     survey response scores, stratum means and round scores with their standard error
- `fields`     typed field readers that collect problems instead of stopping at the first
- `exactjson`  the one exact-JSON codec (numbers as Decimal, no floats, no NaN)
- `people`     staff roles, leave types, absences and who may be rated excellent (评优资格)
- `people`     who may be rated excellent (评优资格): leave types and limits, absences, vetoes
- `errors`     the rules' own exceptions (`ValidationError` with its `Problem`s)

Scoring's own rules (grading, ranking, explanations) stay in `services/scoring/domain/`.
"""
