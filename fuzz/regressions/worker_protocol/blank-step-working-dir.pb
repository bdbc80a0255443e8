„	

job-1Œ
eelloshelL
GREETINGhello"%
	LINT_SCOPhodei-example-token-1243ê<N0(:ssc@J
greetecho "$GREETING"J&
lintexit 3"

LINT_SCOPEsrc*	R^
s3://bucket/in.tar@e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855qn.tarZ.
out/report.txtfile:///tmp/oue/tr!ort.txtb%
docker{"image":"debiaf:bookworm"}Ûÿœß¨3