2
maintenance