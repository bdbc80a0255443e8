ã
	
job-1Î
helloshell
GREETINGhello"%
	API_TOKENhodei-example-token-1234(<0N:src@J
greetecho "$GREETING"J&
lintexit 3"

LINT_SCOPEsrc*aR^
s3://bucket/in.tar@e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855in.tarZ.
out/report.txtfile:///tmp/out/report.txtb%
docker{"image":"debian:bookworm"}óØÏ§¬3