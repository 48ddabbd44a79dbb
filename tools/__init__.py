"""Developer tools around the product; none of them is an installed app."""
