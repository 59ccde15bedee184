"""The report: images with matplotlib, markdown tables and the sentences that say which method to use."""
