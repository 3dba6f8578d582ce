"""The nightly allocation optimizer: Instance in, Plan out, exact and free of Flask and the database."""
