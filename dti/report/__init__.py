"""The report site a province publishes: `dti report` writes static pages from the marts."""
