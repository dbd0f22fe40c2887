from stylegan_edu.cli import main

raise SystemExit(main())
