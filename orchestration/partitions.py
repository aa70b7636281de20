"""One partition per province, keyed by CBS code."""

import dagster as dg

from ida.standard.vocabularies import provinces

PROVINCES = dg.StaticPartitionsDefinition(provinces().codes)
