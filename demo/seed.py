def run(): return "todo"
