// What a page tells the user for a WxauthError: Chinese text by code.
const BY_CODE = {
  user_denied: '已取消授权',
  session_key_stale: '登录已更新，请再点一次',
  phone_taken: '该手机号已绑定其他账号',
  phone_code_invalid: '手机号验证已过期，请再点一次',
  content_rejected: '内容未通过审核，请换一个',
  invalid_nickname: '昵称需 1–30 个字，不能含特殊字符',
  bad_image: '请选择 JPEG、PNG 或 WebP 图片',
  payload_too_large: '图片超过 1 MB，请换一张',
  network_error: '网络不可用，请稍后再试',
  not_registered: '请先验证手机号',
  rate_limited: '操作太频繁，请稍后再试',
};

function messageFor(err) {
  return BY_CODE[err && err.code] || `出错了（${(err && err.code) || 'unknown'}）`;
}

module.exports = { messageFor };
