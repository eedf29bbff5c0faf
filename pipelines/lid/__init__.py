"""Stage `langid` and the fastText model it shares with extract's language pre-check."""
