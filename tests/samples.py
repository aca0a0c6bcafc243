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

# A second article (a council and its library budget), for HTML pages built in tests.
LIBRARY = [
    "The city council voted on Tuesday evening to approve a new budget for the public library "
    "system, ending months of debate over opening hours and staffing levels across the district.",
    "Supporters of the plan said the additional funding would allow branches to stay open later "
    "on weekdays, giving students and working parents more time to use the reading rooms.",
    "Opponents argued that the money should have gone to road repairs instead, pointing to a long "
    "list of complaints from residents about potholes and broken street lights in the area.",
    "The mayor said she was pleased with the outcome and thanked librarians for their patience "
    "during the negotiations, which at times became tense and drew large crowds to the chamber.",
    "Under the approved plan, three branches will also receive new computers and a small grant to "
    "expand their collections of books in languages spoken by recent immigrants to the town.",
    "A final vote on the road repair program is expected next month, after engineers finish a "
    "survey of the streets that residents have identified as most in need of attention this year.",
]
