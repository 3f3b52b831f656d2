"""Command rooms (综合指挥中心 / 矛调中心): the live board of a county, township or village. See
docs/command.md."""
