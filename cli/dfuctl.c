/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
int main(void);
int
main(void)
{
	return 0;
}
