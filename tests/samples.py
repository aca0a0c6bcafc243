"""Shared test text: five sentences of one plain news article (no boilerplate)."""

PROSE = [
    "The harbour authority said on Thursday that the new ferry terminal would open in the spring, "
    "two years later than planned, after a dispute over the cost of dredging the channel.",
    "Engineers found that the old quay walls were weaker than expected, and the builders had to "
    "drive steel piles deeper into the clay before any of the new berths could be used.",
    "Local traders, who have waited for the terminal since the plan was announced, told reporters "
    "that the delay had cost them a season of visitors and that they wanted compensation.",
    "The council will vote next month on whether to cover part of the extra bill, which officials "
    "put at about 40 million euros, from its reserve fund rather than by raising fees.",
    "A spokesperson for the ferry operator said the company still expected to run six crossings a "
    "day once the terminal opens, and that ticket prices would not change this year.",
]
