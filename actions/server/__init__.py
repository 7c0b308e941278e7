"""Server Actions: build, delete, rebuild, resize, password, power, status."""
