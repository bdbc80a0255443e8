
	
job-1operatorˆ'