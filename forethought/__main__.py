from forethought.cli.app import main

main()
