"""The builders of the shipped example years, one module per seed plan (篇二 to 篇五).

`common` holds the plan parts they share (bands, answers, method builders, the indicator leaf),
`year` the bundle under construction (`Year`) with its seeded random results; each plan module
(`yanghe`, `shuili`, `hami`, `pingbian`) has its tables and one function that returns its bundle.
examples/make_examples.py renders them and writes the files.
"""

from .hami import hami
from .pingbian import pingbian
from .shuili import shuili
from .yanghe import yanghe

__all__ = ["hami", "pingbian", "shuili", "yanghe"]
