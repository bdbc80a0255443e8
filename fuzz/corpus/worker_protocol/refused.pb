:%
	
job-1expected offset 0"log