"""The requests pages: the approver's inbox (待办), the requester's own list (我的申请), the missed-punch
correction form (补卡申请) and one request with its chain as a timeline."""
