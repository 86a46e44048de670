"""Seeded, deterministic demo data on the real Amsterdam buurten.

No real record-level resident reports and no population per buurt for a large Dutch city are
available offline, so the demo is generated. The boundaries (518 buurten, 2022) and the
municipal population total (CBS kerncijfers 2024, ``GM0363``: 931,298) are real; everything
else is drawn from ``numpy.random.default_rng(seed)`` and is byte-identical on reruns.

What is written (see :class:`DemoFiles`):

- ``signalen/``: a Signalen data-warehouse export (``signals.csv``, ``locations.csv``,
  ``categories.csv``, ``statuses.csv``, joined on ``_signal_id``) of physical-domain reports.
  As in the real export, column ``lat`` holds the longitude and ``lng`` the latitude; ``text``
  holds the constant ``"(gegenereerde tekst)"``; ``buurt_code`` is empty (an importer assigns
  buurten by coordinates). About 1% of signals have no coordinates, about 0.5% lie 0.3-3 km
  outside Amsterdam (in Amstelveen, Diemen or Zaanstad) and about 0.3% carry a category that
  is not in the Signalen tree.
- ``sociaal/wijkteam_telling.csv``: social-domain counts per buurt, month, theme and channel
  (``wijkteam`` or ``KCC``), only cells with a count above zero.
- ``bevolking.csv``: a generated population per buurt that sums exactly to the real total.
- ``waarheid.csv``: the planted pattern per buurt (see :data:`PATRONEN`).
- ``LEESMIJ.txt``: a Dutch note that all of it is generated, with the seed and what is planted.

Volumes (scale 1): physical reports at 0.172 per inhabitant per year (Den Haag about 100,000 a
year for 550,000 inhabitants; Fixi 338,329 in nine months for 2.7 million inhabitants), about
160,000 a year for Amsterdam. Social questions at 0.05 per inhabitant per year (an assumption:
wijkteam intakes plus KCC questions on social themes), about 46,600 a year over eight themes.

Model. Physical counts per buurt, month and sub category are Poisson with mean proportional to
an exposure (population plus 400 "inhabitant equivalents" per km² of area, capped at 2 km², so
parks and business parks also get reports) times a gamma buurt effect (mean 1, shape 8; shape
40 in planted clusters), the planted multiplier, a buurt trend, a national trend of +4% a year
and a seasonal profile per category (summer peak for groen, overlast and dieren; a
turn-of-the-year peak for afval, vuurwerk and kerstbomen; autumn leaves and winter gladheid for
schoon). Social counts per buurt, month, theme and channel are Poisson with mean proportional
to population times a gamma buurt effect (shape 6; 40 in planted clusters), the planted
multiplier, the trend (+2% a year nationally) and a mild seasonal profile with a dip in July
and August. Lead times are lognormal per main category (median: afval 2 days, schoon 3, wegen
7, groen 10, civiele constructies 20, wonen 30) with a 30% longer median and a heavier tail in
Nieuw-West, Noord and Zuidoost; nothing closes after the window end, so recent signals are more
often still open.

Planted patterns (the truth in ``waarheid.csv``): four ``beide_hoog`` clusters (seed buurt plus
its residential queen neighbours) in Nieuw-West, Zuidoost, Noord and Oost with social and
physical rates x2.5-3; two ``alleen_sociaal`` clusters (West, Noord) with only social x2.5-3;
two ``alleen_fysiek`` clusters (Centrum: visitors, De Pijp: market) with only physical x2.5-3;
six ``stijgend`` buurten whose rates rise linearly to +60% at the end of the window and six
``dalend`` buurten falling to -40% (both domains). All other buurten are ``geen``; they vary
only through the gamma buurt effect and Poisson noise.

The generator, by topic: :mod:`~regie_analytics.demo.build` writes and builds the data set
(:func:`generate_demo`, :func:`build_demo`); :mod:`~regie_analytics.demo.buurten` reads the
real inputs and generates the population and the planted patterns;
:mod:`~regie_analytics.demo.physical` draws the physical reports and their times,
:mod:`~regie_analytics.demo.signalen` writes them as a Signalen export;
:mod:`~regie_analytics.demo.social` draws the social counts; :mod:`~regie_analytics.demo.readme`
holds the Dutch texts (``LEESMIJ.txt``, the note shown with demo data).
"""

from regie_analytics.demo.build import DemoData, DemoFiles, build_demo, generate_demo
from regie_analytics.demo.physical import PHYSICAL_RATE
from regie_analytics.demo.readme import DEMO_SOURCE_NOTE, PATRONEN
from regie_analytics.demo.social import SOCIAL_CHANNELS, SOCIAL_RATE, THEMES

__all__ = [
    "DEMO_SOURCE_NOTE",
    "PATRONEN",
    "PHYSICAL_RATE",
    "SOCIAL_CHANNELS",
    "SOCIAL_RATE",
    "THEMES",
    "DemoData",
    "DemoFiles",
    "build_demo",
    "generate_demo",
]
