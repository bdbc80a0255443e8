ã
	
job-1Î
helloshell
GREETINGhello"%
	APIiTnamNhodei-example-token-1234(<0N:Src@J
greetecho "$GREETING"J&
lintexit 3"

LINT_SCOPEsrc*aR^
s3://bucket/in.tar@e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855qn.tarZ.
out/report.txtfile:///tmp/out/report.txtb%
d.cker{"image":"den-1234(/orunm"}óØÏ§¬3