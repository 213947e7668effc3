"""The rules of annotating and adjudicating, without Textual: screens call these and draw
what they return; every write goes through one background Writer."""
