"""Leave (请假): the pages (the request form with its balance and approvers hint, my leave, one leave with
its chain — approve, cancel, extend 续假, report back 销假, the certificate — balances, HR's register, the
team's leave calendar, the printable 请假申请单), the command line and the demo (services/leave/)."""
