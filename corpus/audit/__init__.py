"""`leam audit RUN`: what the filters of a run did, for a governance reviewer.

collect.py gathers the figures from run.json, the ledger and the kept documents; svg.py
draws the charts as inline SVG; report_html.py and report_md.py write the two reports.
"""
