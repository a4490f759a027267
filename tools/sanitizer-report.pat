ERROR: (Address|Leak|Thread)Sanitizer
WARNING: ThreadSanitizer
runtime error:
