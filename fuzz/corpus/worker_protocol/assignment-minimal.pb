5
	
job-7(
jdev.hodei.executor.shellJ	
strue