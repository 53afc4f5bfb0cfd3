"""Every figure: KPIs, cohorts, funding, grants, intake, outcomes, the disclosure rule, statistics, the selection."""
