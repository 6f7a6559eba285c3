"""`python -m filingwatch ARGS` == `filingwatch ARGS`."""

from filingwatch import main

main()
