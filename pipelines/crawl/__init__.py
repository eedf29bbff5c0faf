"""The crawler: a polite, opt-out-respecting web crawler that writes WARC and a crawl log.

    leam crawl seeds.txt --run-id my-crawl

Work is partitioned by host over Ray workers (pipelines.crawl.driver), each partition
crawled asynchronously by one worker at a time (pipelines.crawl.worker), so per-host limits
hold across the cluster. Every URL taken up gets one crawl-log row with the decision and the
signal behind it (robots.txt, TDMRep, noai, ai.txt, safety rules).
"""
